// Package client is a Jupyter client written in Go: it connects to a
// kernel's five sockets, sends requests and collects their replies and
// outputs. The integration tests of gokernel, "gokernel run" (which runs
// notebooks without a browser) and the kernel benchmarks use it.
//
// A Client is safe for concurrent use. It owns one goroutine per socket,
// reading and dispatching messages by their parent msg_id, and stops them
// in Close. Outputs are never lost to a slow caller: each waiting request
// and each Subscription has its own unbounded queue.
package client

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

// Options configure Dial. The zero value is ready to use.
type Options struct {
	// Session is the session id put in every header and used as the
	// ZeroMQ identity of the shell, control and stdin sockets, so that
	// the kernel routes input requests to this client. Empty means a new
	// random id.
	Session string
	// Username goes in every header. Empty means "asyncgo".
	Username string
	// Logger receives messages the client drops (bad signature, no one
	// waiting). Nil discards them.
	Logger *slog.Logger
	// DialTimeout bounds connecting to each socket. Zero means 5 seconds.
	DialTimeout time.Duration
	// DialRetry is how long to wait before dialing a socket again when
	// the kernel is not listening yet, as when it is still starting. Zero
	// means 100 milliseconds, the interval of libzmq-based clients.
	DialRetry time.Duration
}

// Channel names accepted by Request.
const (
	Shell   = "shell"
	Control = "control"
)

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("client: closed")

// Client is a connection to one kernel.
type Client struct {
	signer   *jupyter.Signer
	session  string
	username string
	log      *slog.Logger

	ctx    context.Context // done when the client is closed
	cancel context.CancelFunc

	shell, control, stdin, hb *conn
	iopub                     zmq4.Socket

	mu       sync.Mutex
	watchers map[string]*mailbox[routed] // by request msg_id
	subs     map[*Subscription]struct{}
	pongs    *mailbox[[]byte]
	seen     chan struct{} // closed when the first iopub message arrives
	seenOnce sync.Once

	wg        sync.WaitGroup
	closeOnce sync.Once
}

// conn is a DEALER socket; sends are serialized by mu.
type conn struct {
	name string
	sock zmq4.Socket
	mu   sync.Mutex
}

func (c *conn) send(frames [][]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("client: sending on %s: %w", c.name, err)
	}
	return nil
}

// routed is a message with the channel it arrived on.
type routed struct {
	channel string // "shell", "control", "stdin" or "iopub"
	msg     *jupyter.Message
}

// Dial connects to the kernel described by info: DEALER sockets for shell,
// control and stdin (with the session as identity), a SUB socket for iopub
// subscribed to every topic, and a DEALER for the heartbeat. The iopub
// subscription takes a moment to reach the kernel; call WaitReady before
// relying on outputs. ctx bounds only the dialing.
func Dial(ctx context.Context, info jupyter.ConnectionInfo, opts Options) (*Client, error) {
	if err := info.Validate(); err != nil {
		return nil, fmt.Errorf("client: invalid connection info: %w", err)
	}
	signer, err := jupyter.NewSigner(info.SignatureScheme, info.Key)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if opts.Session == "" {
		opts.Session = jupyter.NewID()
	}
	if opts.Username == "" {
		opts.Username = "asyncgo"
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	c := &Client{
		signer: signer, session: opts.Session, username: opts.Username,
		log:      opts.Logger,
		watchers: make(map[string]*mailbox[routed]),
		subs:     make(map[*Subscription]struct{}),
		pongs:    newMailbox[[]byte](),
		seen:     make(chan struct{}),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, c.cancel) // abort dialing
	defer stop()

	if opts.DialRetry <= 0 {
		opts.DialRetry = 100 * time.Millisecond
	}
	retries := int(opts.DialTimeout / opts.DialRetry)
	sockOpts := func(id string) []zmq4.Option {
		o := []zmq4.Option{
			zmq4.WithDialerTimeout(opts.DialTimeout), zmq4.WithDialerRetry(opts.DialRetry),
			zmq4.WithDialerMaxRetries(retries), zmq4.WithTimeout(opts.DialTimeout),
			zmq4.WithLogger(slog.NewLogLogger(c.log.Handler(), slog.LevelWarn)),
		}
		if id != "" {
			o = append(o, zmq4.WithID(zmq4.SocketIdentity(id)))
		}
		return o
	}
	var socks []zmq4.Socket
	dial := func(name string, sock zmq4.Socket, port int) error {
		socks = append(socks, sock)
		if err := sock.Dial(info.Endpoint(port)); err != nil {
			return fmt.Errorf("client: connecting to the kernel's %s socket at %s: %w; is the kernel running?", name, info.Endpoint(port), err)
		}
		return nil
	}
	c.shell = &conn{name: Shell, sock: zmq4.NewDealer(c.ctx, sockOpts(c.session)...)}
	c.control = &conn{name: Control, sock: zmq4.NewDealer(c.ctx, sockOpts(c.session)...)}
	c.stdin = &conn{name: "stdin", sock: zmq4.NewDealer(c.ctx, sockOpts(c.session)...)}
	c.hb = &conn{name: "hb", sock: zmq4.NewDealer(c.ctx, sockOpts("")...)}
	c.iopub = zmq4.NewSub(c.ctx, sockOpts("")...)
	err = errors.Join(
		dial(Shell, c.shell.sock, info.ShellPort),
		dial(Control, c.control.sock, info.ControlPort),
		dial("stdin", c.stdin.sock, info.StdinPort),
		dial("hb", c.hb.sock, info.HBPort),
		dial("iopub", c.iopub, info.IOPubPort),
	)
	if err == nil {
		err = c.iopub.SetOption(zmq4.OptionSubscribe, "")
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("client: dialing: %w", ctx.Err())
	}
	if err != nil {
		c.cancel()
		for _, s := range socks {
			s.Close()
		}
		return nil, err
	}
	for _, ch := range []*conn{c.shell, c.control, c.stdin} {
		c.wg.Add(1)
		go c.readJupyter(ch.name, ch.sock)
	}
	c.wg.Add(2)
	go c.readJupyter("iopub", c.iopub)
	go c.readPongs()
	return c, nil
}

// Session returns the session id of the client's messages.
func (c *Client) Session() string { return c.session }

// Close closes the sockets and waits for the client's goroutines to end.
// Calls waiting for replies return ErrClosed.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.cancel()
		err = errors.Join(c.shell.sock.Close(), c.control.sock.Close(), c.stdin.sock.Close(), c.hb.sock.Close(), c.iopub.Close())
		c.wg.Wait()
	})
	return err
}

// readJupyter is the goroutine that owns the receiving side of one socket.
func (c *Client) readJupyter(channel string, sock zmq4.Socket) {
	defer c.wg.Done()
	for {
		raw, err := sock.Recv()
		if err != nil {
			if c.ctx.Err() == nil {
				c.log.Warn("receiving failed; the socket stops", "channel", channel, "err", err)
			}
			return
		}
		m, err := c.signer.Decode(raw.Frames)
		if err != nil {
			c.log.Warn("dropping a message", "channel", channel, "err", err)
			continue
		}
		c.dispatch(channel, m)
	}
}

// dispatch hands m to the request it answers and, for iopub, to every
// subscription.
func (c *Client) dispatch(channel string, m *jupyter.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if channel == "iopub" {
		c.seenOnce.Do(func() { close(c.seen) })
		for s := range c.subs {
			s.box.push(m)
		}
	}
	if m.ParentHeader == nil {
		return
	}
	if w := c.watchers[m.ParentHeader.MsgID]; w != nil {
		w.push(routed{channel, m})
	} else if channel != "iopub" {
		c.log.Debug("dropping a reply nobody waits for", "channel", channel, "msg_type", m.Header.MsgType)
	}
}

func (c *Client) readPongs() {
	defer c.wg.Done()
	for {
		raw, err := c.hb.sock.Recv()
		if err != nil {
			return
		}
		if len(raw.Frames) > 0 {
			c.pongs.push(raw.Frames[len(raw.Frames)-1])
		}
	}
}

// watch registers a mailbox for the messages whose parent is msgID.
func (c *Client) watch(msgID string) *mailbox[routed] {
	box := newMailbox[routed]()
	c.mu.Lock()
	c.watchers[msgID] = box
	c.mu.Unlock()
	return box
}

func (c *Client) unwatch(msgID string) {
	c.mu.Lock()
	delete(c.watchers, msgID)
	c.mu.Unlock()
}

// newRequest builds a message from this client's session.
func (c *Client) newRequest(msgType string, parent *jupyter.Message, content any) (*jupyter.Message, error) {
	m, err := jupyter.NewMessage(c.session, c.username, msgType, parent, content)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return m, nil
}

func (c *Client) send(ctx context.Context, ch *conn, m *jupyter.Message) error {
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("client: not sending %s: %w", m.Header.MsgType, err)
	}
	frames, err := c.signer.Encode(m)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return ch.send(frames)
}

// Request sends a request of type msgType with the given content on the
// shell or control channel and returns the kernel's reply. Use it for
// complete, inspect, is_complete, history, comm_info, shutdown and
// interrupt requests; Execute handles execute requests.
func (c *Client) Request(ctx context.Context, channel, msgType string, content any) (*jupyter.Message, error) {
	var ch *conn
	switch channel {
	case Shell:
		ch = c.shell
	case Control:
		ch = c.control
	default:
		return nil, fmt.Errorf("client: channel %q cannot carry requests; use %q or %q", channel, Shell, Control)
	}
	req, err := c.newRequest(msgType, nil, content)
	if err != nil {
		return nil, err
	}
	box := c.watch(req.Header.MsgID)
	defer c.unwatch(req.Header.MsgID)
	if err := c.send(ctx, ch, req); err != nil {
		return nil, err
	}
	for {
		r, err := box.next(ctx, c.ctx.Done())
		if err != nil {
			return nil, c.waitErr(ctx, msgType, err)
		}
		if r.channel == channel {
			return r.msg, nil
		}
	}
}

// waitErr explains why waiting for the reply to msgType stopped.
func (c *Client) waitErr(ctx context.Context, msgType string, err error) error {
	if c.ctx.Err() != nil && ctx.Err() == nil {
		return fmt.Errorf("client: waiting for the reply to %s: %w", msgType, ErrClosed)
	}
	return fmt.Errorf("client: waiting for the reply to %s: %w", msgType, err)
}

// KernelInfo sends a kernel_info_request on shell and returns the reply.
func (c *Client) KernelInfo(ctx context.Context) (*jupyter.Message, error) {
	return c.Request(ctx, Shell, jupyter.KernelInfoRequest, struct{}{})
}

// WaitReady waits until the kernel answers a kernel_info_request and an
// iopub message has arrived, which shows that the iopub subscription has
// reached the kernel; until then, outputs may be lost. A request waits up
// to a second for its reply, like jupyter_client's wait_for_ready. The
// iopub messages of a request sent before the subscription reached the
// kernel are lost, so after a reply without them it asks again soon:
// after 50 ms, then twice as long each time, up to a second.
func (c *Client) WaitReady(ctx context.Context) error {
	again := 50 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.KernelInfo(attempt)
		cancel()
		if err == nil {
			t := time.NewTimer(again)
			select {
			case <-c.seen:
				t.Stop()
				return nil
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
			again = min(2*again, time.Second)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("client: waiting for the kernel to be ready: %w", ctx.Err())
		}
		if c.ctx.Err() != nil {
			return ErrClosed
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
}

// Interrupt sends an interrupt_request on the control channel and waits
// for the reply.
func (c *Client) Interrupt(ctx context.Context) error {
	reply, err := c.Request(ctx, Control, jupyter.InterruptRequest, struct{}{})
	if err != nil {
		return err
	}
	var r struct {
		Status string `json:"status"`
	}
	if err := reply.Decode(&r); err != nil {
		return err
	}
	if r.Status != "ok" {
		return fmt.Errorf("client: the kernel refused the interrupt (status %q)", r.Status)
	}
	return nil
}

// Heartbeat sends one ping on the heartbeat socket and waits for the
// kernel to echo it.
func (c *Client) Heartbeat(ctx context.Context) error {
	ping := []byte(jupyter.NewID())
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	if err := c.hb.send([][]byte{ping}); err != nil {
		return err
	}
	for {
		pong, err := c.pongs.next(ctx, c.ctx.Done())
		if err != nil {
			return fmt.Errorf("client: waiting for the heartbeat: %w", err)
		}
		if string(pong) == string(ping) {
			return nil
		}
	}
}

// Subscription receives every iopub message that arrives after it was
// created, in order, whatever its parent. Create it with Client.IOPub.
type Subscription struct {
	c   *Client
	box *mailbox[*jupyter.Message]
}

// IOPub returns a subscription to all iopub messages from now on. Its
// queue is unbounded, so call Close when done reading.
func (c *Client) IOPub() *Subscription {
	s := &Subscription{c: c, box: newMailbox[*jupyter.Message]()}
	c.mu.Lock()
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	return s
}

// Next returns the next iopub message, waiting until one arrives, ctx is
// done, or the client is closed.
func (s *Subscription) Next(ctx context.Context) (*jupyter.Message, error) {
	m, err := s.box.next(ctx, s.c.ctx.Done())
	if err != nil {
		return nil, fmt.Errorf("client: waiting for an iopub message: %w", err)
	}
	return m, nil
}

// Close ends the subscription and discards its queued messages.
func (s *Subscription) Close() {
	s.c.mu.Lock()
	delete(s.c.subs, s)
	s.c.mu.Unlock()
}

// mailbox is an unbounded FIFO queue with one reader.
type mailbox[T any] struct {
	mu    sync.Mutex
	items []T
	ready chan struct{} // has a token when items may be non-empty
}

func newMailbox[T any]() *mailbox[T] {
	return &mailbox[T]{ready: make(chan struct{}, 1)}
}

func (b *mailbox[T]) push(v T) {
	b.mu.Lock()
	b.items = append(b.items, v)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// next pops the oldest item, waiting for one until ctx or closed is done.
func (b *mailbox[T]) next(ctx context.Context, closed <-chan struct{}) (T, error) {
	for {
		b.mu.Lock()
		if len(b.items) > 0 {
			v := b.items[0]
			var zero T
			b.items[0] = zero
			b.items = b.items[1:]
			b.mu.Unlock()
			return v, nil
		}
		b.mu.Unlock()
		select {
		case <-b.ready:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-closed:
			var zero T
			return zero, ErrClosed
		}
	}
}
