package channel

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/jupyter"
)

// ErrNoPeer is wrapped by Router.Send when no connected client has the
// message's routing identity, usually because it disconnected.
var ErrNoPeer = errors.New("no connected client has this identity")

// ErrSendTimeout is wrapped by Router.Send when the message could not be
// written within Options.SendTimeout; the client is then disconnected.
var ErrSendTimeout = errors.New("send timed out")

// Router is a ROUTER socket carrying signed Jupyter messages (shell,
// control or stdin). Its methods are safe for concurrent use.
type Router struct {
	srv    *server
	signer *jupyter.Signer
	msgs   chan *jupyter.Message

	mu    sync.Mutex
	peers map[string]*peer // by identity
}

func newRouter(s *Sockets, name string, signer *jupyter.Signer) *Router {
	r := &Router{signer: signer, msgs: make(chan *jupyter.Message), peers: make(map[string]*peer)}
	r.srv = &server{name: name, typ: zmq4.Router, queue: routerQueue, attach: r.attach, detach: r.detach, handle: r.handle}
	return r
}

// attach registers a peer under its identity. A client that reconnects
// with the identity of a connection that is still open takes it over and
// the old connection is closed, so replies reach the live one.
func (r *Router) attach(p *peer) bool {
	r.mu.Lock()
	old := r.peers[string(p.id)]
	r.peers[string(p.id)] = p
	r.mu.Unlock()
	if old != nil {
		r.srv.s.log.Info("client reconnected with the same identity; closing its old connection", "socket", r.srv.name, "identity", fmt.Sprintf("%q", p.id))
		old.close()
	}
	return true
}

func (r *Router) detach(p *peer) {
	r.mu.Lock()
	if r.peers[string(p.id)] == p {
		delete(r.peers, string(p.id))
	}
	r.mu.Unlock()
}

// handle verifies one message and hands it to the reader of Messages.
func (r *Router) handle(p *peer, frames [][]byte) {
	m, err := r.signer.Decode(append([][]byte{p.id}, frames...))
	if err != nil {
		r.srv.s.log.Warn("dropping a message", "socket", r.srv.name, "identity", fmt.Sprintf("%q", p.id), "err", err)
		return
	}
	select {
	case r.msgs <- m:
	case <-r.srv.s.done:
	}
}

// Messages returns the channel of verified messages received from all
// clients, with Identities set for routing the replies. Messages with a
// wrong signature or malformed frames are logged and dropped. The channel
// is closed by Sockets.Close. While nobody receives, clients' messages wait
// in their connections, so read it promptly.
func (r *Router) Messages() <-chan *jupyter.Message { return r.msgs }

// Send signs m and sends it to the client named by m.Identities[0] (further
// identities are sent as frames, as a ROUTER does). It returns once the
// message is written to the connection, and never waits longer than
// Options.SendTimeout: a client that does not read within that time is
// disconnected and Send returns an error wrapping ErrSendTimeout. A client
// that is not connected gives an error wrapping ErrNoPeer at once.
func (r *Router) Send(m *jupyter.Message) error {
	s := r.srv.s
	if len(m.Identities) == 0 {
		return fmt.Errorf("channel: %s message %s has no routing identity; create it with jupyter.NewMessage and the request as parent", r.srv.name, m.Header.MsgType)
	}
	frames, err := r.signer.Encode(m)
	if err != nil {
		return fmt.Errorf("channel: %s: %w", r.srv.name, err)
	}
	if s.closing() {
		return fmt.Errorf("channel: sending %s on %s: %w", m.Header.MsgType, r.srv.name, ErrClosed)
	}
	r.mu.Lock()
	p := r.peers[string(m.Identities[0])]
	r.mu.Unlock()
	if p == nil {
		return fmt.Errorf("channel: sending %s on %s to %q: %w", m.Header.MsgType, r.srv.name, m.Identities[0], ErrNoPeer)
	}
	timeout := s.opts.SendTimeout
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	o := outgoing{frames: frames[1:], deadline: time.Now().Add(timeout), result: make(chan error, 1)}
	fail := func(why error) error {
		return fmt.Errorf("channel: sending %s on %s to %q: %w", m.Header.MsgType, r.srv.name, p.id, why)
	}
	select {
	case p.out <- o:
	case <-p.done:
		return fail(errPeerGone)
	case <-timer.C:
		p.close()
		return fail(fmt.Errorf("%w after %v: the client is not reading", ErrSendTimeout, timeout))
	case <-s.done:
		return fail(ErrClosed)
	}
	select {
	case err := <-o.result:
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fail(fmt.Errorf("%w after %v: the client is not reading: %w", ErrSendTimeout, timeout, err))
		}
		if err != nil {
			return fail(err)
		}
		return nil
	case <-p.done:
		// The writer may have finished just before closing.
		select {
		case err := <-o.result:
			if err == nil {
				return nil
			}
		default:
		}
		return fail(errPeerGone)
	case <-timer.C:
		p.close()
		return fail(fmt.Errorf("%w after %v: the client is not reading", ErrSendTimeout, timeout))
	case <-s.done:
		return fail(ErrClosed)
	}
}
