// Package channel owns the five ZeroMQ sockets of a Jupyter kernel (shell,
// control, stdin, iopub and heartbeat) and guarantees that no client can
// stall the kernel through them.
//
// The zmq4 module (github.com/go-zeromq/zmq4 v0.17.0) speaks ZMTP well but
// its socket types do not fit a kernel that must stay responsive: a ROUTER
// send waits up to its timeout (5 minutes by default) when no peer is
// connected, silently drops messages for unknown identities, and holds a
// lock while writing to a peer without a write deadline, so a client that
// stops reading blocks every later send; a PUB socket queues without bound
// and writes to all subscribers from one goroutine, so a slow subscriber
// grows memory and delays the others. This package therefore accepts
// connections itself, runs the ZMTP handshake with zmq4.Open, and reads and
// writes frames itself. zmq4.Conn allocates whatever size a peer declares
// in a frame header, so one unauthenticated header of 1 TiB would kill the
// kernel; this package refuses a message above Options.MaxMessage before
// allocating it and drops only that connection. Each connection has exactly two
// goroutines: a reader, the only one that reads from it, and a writer, the
// only one that writes to it, fed by a bounded queue; every write has a
// deadline. Concurrent callers of Router.Send and Publisher.Publish only
// touch those queues, so they are safe for concurrent use.
package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/jupyter"
)

// Options configure Listen. The zero value is ready to use.
type Options struct {
	// Logger receives dropped messages, failed sends and connection
	// events. Nil discards them.
	Logger *slog.Logger
	// SendTimeout bounds Router.Send and the ZMTP handshake of new
	// connections. Zero means 2 seconds.
	SendTimeout time.Duration
	// IOPubQueue is how many messages each iopub subscriber may have
	// waiting before Publish drops messages for it. Zero means 1024.
	IOPubQueue int
	// MaxMessage bounds one incoming message, all frames together: a peer
	// that sends or declares more is disconnected. Zero means
	// DefaultMaxMessage.
	MaxMessage int
}

// MaxMessageEnv is the environment variable from which the gokernel
// command reads Options.MaxMessage, in bytes.
const MaxMessageEnv = "GOKERNEL_MAX_MESSAGE"

// routerQueue is the capacity of each ROUTER peer's outgoing queue. Send
// waits for its message to be written, so it rarely holds more than the
// number of concurrent senders.
const routerQueue = 64

// ErrClosed is returned by sends after Close, and by Err after Close.
var ErrClosed = errors.New("channel: sockets closed")

// Sockets are the listening sockets of a kernel.
type Sockets struct {
	opts    Options
	log     *slog.Logger
	ctx     context.Context // done when the sockets shut down
	cancel  context.CancelFunc
	done    <-chan struct{}
	stopCtx func() bool

	shell, control, stdin *Router
	iopub                 *Publisher
	servers               []*server

	wg        sync.WaitGroup
	mu        sync.Mutex
	err       error
	closeOnce sync.Once
}

// Listen binds the sockets described by info: shell, control and stdin as
// ROUTER sockets, iopub as a PUB socket, and the heartbeat as a ROUTER that
// echoes every message back to its sender (REQ and DEALER clients both
// work). The sockets serve until ctx is done or Close is called; either
// way, call Close to wait for every goroutine to end.
func Listen(ctx context.Context, info jupyter.ConnectionInfo, opts Options) (*Sockets, error) {
	if err := info.Validate(); err != nil {
		return nil, fmt.Errorf("channel: invalid connection info: %w", err)
	}
	signer, err := jupyter.NewSigner(info.SignatureScheme, info.Key)
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 2 * time.Second
	}
	if opts.IOPubQueue <= 0 {
		opts.IOPubQueue = 1024
	}
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	s := &Sockets{opts: opts, log: logger(opts.Logger)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.done = s.ctx.Done()

	s.shell = newRouter(s, "shell", signer)
	s.control = newRouter(s, "control", signer)
	s.stdin = newRouter(s, "stdin", signer)
	s.iopub = newPublisher(s, signer)
	hb := &server{name: "hb", typ: zmq4.Router, queue: routerQueue, handle: s.echo}

	specs := []struct {
		sv   *server
		port int
	}{
		{s.shell.srv, info.ShellPort}, {s.control.srv, info.ControlPort}, {s.stdin.srv, info.StdinPort},
		{s.iopub.srv, info.IOPubPort}, {hb, info.HBPort},
	}
	for _, spec := range specs {
		ln, ep, err := bind(info, spec.sv.name, spec.port)
		if err != nil {
			for _, sv := range s.servers {
				sv.ln.Close()
			}
			s.cancel()
			return nil, err
		}
		spec.sv.s, spec.sv.ln, spec.sv.endpoint = s, ln, ep
		s.servers = append(s.servers, spec.sv)
	}
	for _, sv := range s.servers {
		s.wg.Add(1)
		go sv.serve()
	}
	s.stopCtx = context.AfterFunc(ctx, func() { s.fail(fmt.Errorf("channel: sockets stopped: %w", context.Cause(ctx))) })
	return s, nil
}

// echo answers a heartbeat ping with the same frames. It never blocks:
// when a client sends pings faster than it reads pongs, pings are dropped.
func (s *Sockets) echo(p *peer, frames [][]byte) {
	p.enqueue(outgoing{frames: frames, deadline: time.Now().Add(s.opts.SendTimeout)})
}

// Shell returns the shell socket.
func (s *Sockets) Shell() *Router { return s.shell }

// Control returns the control socket.
func (s *Sockets) Control() *Router { return s.control }

// Stdin returns the stdin socket.
func (s *Sockets) Stdin() *Router { return s.stdin }

// IOPub returns the iopub socket.
func (s *Sockets) IOPub() *Publisher { return s.iopub }

// Done returns a channel that is closed when the sockets stop serving:
// Close was called, the context given to Listen was done, or a socket
// failed for good.
func (s *Sockets) Done() <-chan struct{} { return s.done }

// Err returns why Done was closed, or nil while the sockets serve.
func (s *Sockets) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Sockets) closing() bool { return s.ctx.Err() != nil }

// fail stops serving, recording err as the reason if it is the first.
func (s *Sockets) fail(err error) {
	s.mu.Lock()
	first := s.err == nil
	if first {
		s.err = err
	}
	s.mu.Unlock()
	if !first {
		return
	}
	switch {
	case errors.Is(err, ErrClosed):
	case errors.Is(err, context.Canceled):
		// The kernel is shutting down: nothing failed.
		s.log.Info("kernel sockets stopped: shutting down")
	default:
		s.log.Error("kernel sockets stopped", "err", err)
	}
	s.cancel()
	for _, sv := range s.servers {
		sv.closeAll()
	}
}

// Close stops serving, closes every connection and socket, waits for all
// goroutines to end, and then closes the Messages channels. It returns
// the error that stopped the sockets before Close, if any.
func (s *Sockets) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stopCtx()
		s.fail(ErrClosed)
		s.wg.Wait()
		close(s.shell.msgs)
		close(s.control.msgs)
		close(s.stdin.msgs)
		if e := s.Err(); !errors.Is(e, ErrClosed) {
			err = e
		}
	})
	return err
}
