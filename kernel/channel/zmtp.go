package channel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"

	"asyncgo/kernel/jupyter"
)

// This file holds the ZeroMQ layer. zmq4's socket types queue without
// bounds and block without deadlines (see the package comment), so the
// kernel listens with the net package itself and uses zmq4 only for the
// ZMTP handshake (zmq4.Open). Frames are read here (frame.go), with a
// bound on their size checked before any memory is allocated, and written
// here, with a write deadline on the net.Conn.

// ZMTP frame flags (https://rfc.zeromq.org/spec/23/).
const (
	flagMore = 0x01
	flagLong = 0x02
)

// server accepts the connections of one endpoint and runs a reader and a
// writer goroutine for each peer.
type server struct {
	name     string // "shell", "iopub", ...
	endpoint string
	typ      zmq4.SocketType
	ln       net.Listener
	s        *Sockets
	queue    int                   // capacity of each peer's outgoing queue
	attach   func(*peer) bool      // registers a new peer; false refuses it
	detach   func(*peer)           // unregisters a peer that went away
	handle   func(*peer, [][]byte) // called on the peer's reader goroutine
	written  func(*peer)           // optional, called on the writer goroutine after each write
	mu       sync.Mutex
	peers    map[*peer]struct{}
	shutdown bool
}

// peer is one connection accepted by a server.
type peer struct {
	srv       *server
	id        []byte
	conn      net.Conn
	out       chan outgoing
	done      chan struct{}
	closeOnce sync.Once
}

// outgoing is one message queued for a peer's writer goroutine. One
// without frames is a marker: the writer only sends nil on its result,
// which tells Publisher.Flush that everything queued before it has been
// written.
type outgoing struct {
	frames   [][]byte
	deadline time.Time  // zero: no deadline
	result   chan error // buffered; nil when nobody waits for the result
	command  bool       // a ZMTP command (PONG), one frame
}

// bind listens on the endpoint of a Jupyter connection file.
func bind(info jupyter.ConnectionInfo, name string, port int) (net.Listener, string, error) {
	ep := info.Endpoint(port)
	var (
		ln  net.Listener
		err error
	)
	if info.Transport == "ipc" {
		path := strings.TrimPrefix(ep, "ipc://")
		// A socket file left by a kernel that died would make bind fail;
		// libzmq removes it too.
		if fi, statErr := os.Lstat(path); statErr == nil && fi.Mode().Type() == fs.ModeSocket {
			os.Remove(path)
		}
		ln, err = net.Listen("unix", path)
	} else {
		ln, err = net.Listen("tcp", strings.TrimPrefix(ep, "tcp://"))
	}
	if err != nil {
		return nil, ep, fmt.Errorf("channel: binding the %s socket to %s: %w; another process may be using port %d: stop it, or start the kernel with a new connection file", name, ep, err, port)
	}
	return ln, ep, nil
}

// serve accepts connections until the listener is closed.
func (sv *server) serve() {
	defer sv.s.wg.Done()
	failures := 0
	for {
		conn, err := sv.ln.Accept()
		if err != nil {
			if sv.s.closing() {
				return
			}
			failures++
			sv.s.log.Warn("accepting a connection failed", "socket", sv.name, "err", err)
			if failures >= 100 {
				sv.s.fail(fmt.Errorf("channel: the %s socket on %s stopped accepting connections: %w", sv.name, sv.endpoint, err))
				return
			}
			select {
			case <-time.After(10 * time.Millisecond):
			case <-sv.s.done:
				return
			}
			continue
		}
		failures = 0
		sv.s.wg.Add(1)
		go sv.open(conn)
	}
}

// open performs the ZMTP handshake and starts the peer's goroutines.
func (sv *server) open(conn net.Conn) {
	defer sv.s.wg.Done()
	// Close the connection if the Sockets shut down during the handshake.
	stop := context.AfterFunc(sv.s.ctx, func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(sv.s.opts.SendTimeout))
	zc, err := zmq4.Open(conn, null.Security(), sv.typ, zmq4.SocketIdentity(sv.name), true, nil)
	conn.SetDeadline(time.Time{})
	if !stop() {
		conn.Close()
		return
	}
	if err != nil {
		sv.s.log.Warn("ZeroMQ handshake failed; closing the connection", "socket", sv.name, "remote", conn.RemoteAddr().String(), "err", err)
		conn.Close()
		return
	}
	p := &peer{
		srv:  sv,
		id:   []byte(zc.Peer.Meta["Identity"]),
		conn: conn,
		out:  make(chan outgoing, sv.queue),
		done: make(chan struct{}),
	}
	if len(p.id) == 0 {
		p.id = []byte(jupyter.NewID())
	}
	sv.mu.Lock()
	if sv.shutdown {
		sv.mu.Unlock()
		conn.Close()
		return
	}
	if sv.peers == nil {
		sv.peers = make(map[*peer]struct{})
	}
	sv.peers[p] = struct{}{}
	sv.s.wg.Add(2)
	sv.mu.Unlock()
	if sv.attach != nil && !sv.attach(p) {
		sv.s.wg.Add(-2)
		p.close()
		return
	}
	sv.s.log.Debug("peer connected", "socket", sv.name, "identity", fmt.Sprintf("%q", p.id))
	go p.read()
	go p.write()
}

// closeAll stops accepting and closes every peer.
func (sv *server) closeAll() {
	sv.ln.Close()
	sv.mu.Lock()
	sv.shutdown = true
	peers := make([]*peer, 0, len(sv.peers))
	for p := range sv.peers {
		peers = append(peers, p)
	}
	sv.mu.Unlock()
	for _, p := range peers {
		p.close()
	}
}

// close disconnects the peer; it is safe to call more than once.
func (p *peer) close() {
	p.closeOnce.Do(func() {
		close(p.done)
		p.conn.Close()
		sv := p.srv
		sv.mu.Lock()
		delete(sv.peers, p)
		sv.mu.Unlock()
		if sv.detach != nil {
			sv.detach(p)
		}
	})
}

// read is the peer's reader goroutine.
func (p *peer) read() {
	defer p.srv.s.wg.Done()
	defer p.close()
	for {
		msg, err := readMessage(p.conn, p.srv.s.opts.MaxMessage)
		if err != nil {
			select {
			case <-p.done:
			default:
				if errors.Is(err, ErrMessageTooLarge) {
					p.srv.s.log.Warn("closing a connection that sent too large a message", "socket", p.srv.name, "identity", fmt.Sprintf("%q", p.id), "remote", p.conn.RemoteAddr().String(), "err", err)
				} else {
					p.srv.s.log.Debug("peer disconnected", "socket", p.srv.name, "identity", fmt.Sprintf("%q", p.id), "err", err)
				}
			}
			return
		}
		if msg.command {
			// ZMTP heartbeats: answer a PING from the writer goroutine;
			// other commands mean nothing to these sockets.
			if len(msg.frames) == 1 {
				if pong, ok := pingCommand(msg.frames[0]); ok {
					p.enqueue(outgoing{frames: [][]byte{pong}, command: true, deadline: time.Now().Add(p.srv.s.opts.SendTimeout)})
				}
			}
			continue
		}
		p.srv.handle(p, msg.frames)
	}
}

// write is the peer's writer goroutine, the only one that writes to conn.
func (p *peer) write() {
	defer p.srv.s.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case o := <-p.out:
			if len(o.frames) == 0 {
				o.result <- nil // a Flush marker
				continue
			}
			p.conn.SetWriteDeadline(o.deadline)
			err := writeFrames(p.conn, o.frames, o.command)
			if o.result != nil {
				o.result <- err
			}
			if err != nil {
				// A timed-out write may have sent part of a frame, so the
				// stream cannot be resumed: drop the peer, which reconnects.
				level := slog.LevelWarn
				if p.srv.s.closing() {
					level = slog.LevelDebug // clients leave as the kernel shuts down
				}
				p.srv.s.log.Log(context.Background(), level, "sending failed; disconnecting the client", "socket", p.srv.name, "identity", fmt.Sprintf("%q", p.id), "err", err)
				p.close()
				return
			}
			if p.srv.written != nil {
				p.srv.written(p)
			}
		}
	}
}

// enqueue queues frames without blocking; it reports false when the
// queue is full or the peer is gone.
func (p *peer) enqueue(o outgoing) bool {
	select {
	case <-p.done:
		return false
	default:
	}
	select {
	case p.out <- o:
		return true
	default:
		return false
	}
}

// errPeerGone is returned when a peer disconnects before a send completes.
var errPeerGone = errors.New("the client disconnected")

// writeFrames writes one multipart ZMTP message (or a command) with a
// single writev.
func writeFrames(w net.Conn, frames [][]byte, command bool) error {
	bufs := make(net.Buffers, 0, 2*len(frames))
	hdrs := make([]byte, 9*len(frames))
	for i, f := range frames {
		h := hdrs[9*i : 9*i+9]
		var flags byte
		if command {
			flags |= flagCommand
		}
		if i < len(frames)-1 {
			flags |= flagMore
		}
		if len(f) > 255 {
			h[0] = flags | flagLong
			binary.BigEndian.PutUint64(h[1:], uint64(len(f)))
		} else {
			h[0] = flags
			h[1] = byte(len(f))
			h = h[:2]
		}
		bufs = append(bufs, h, f)
	}
	_, err := bufs.WriteTo(w)
	return err
}

// logger returns l, or a logger that discards everything.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
