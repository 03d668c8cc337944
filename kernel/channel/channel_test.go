package channel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/jupyter"
)

// logBuffer is a concurrency-safe sink for slog output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newInfo(t testing.TB, transport string) jupyter.ConnectionInfo {
	t.Helper()
	info, err := jupyter.NewConnectionInfo(transport)
	if err != nil {
		t.Fatal(err)
	}
	if transport == "ipc" {
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(info.IP)) })
	}
	return info
}

func listen(t testing.TB, info jupyter.ConnectionInfo, opts channel.Options) *channel.Sockets {
	t.Helper()
	s, err := channel.Listen(context.Background(), info, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dial connects a zmq4 socket to port and closes it at the end of the test.
func dial(t testing.TB, sock zmq4.Socket, info jupyter.ConnectionInfo, port int) zmq4.Socket {
	t.Helper()
	if err := sock.Dial(info.Endpoint(port)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	return sock
}

func signer(t testing.TB, info jupyter.ConnectionInfo) *jupyter.Signer {
	s, err := jupyter.NewSigner(info.SignatureScheme, info.Key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request(t testing.TB, msgType string) *jupyter.Message {
	m, err := jupyter.NewMessage("client-session", "tester", msgType, nil, map[string]string{"code": msgType})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sendMsg(t testing.TB, sock zmq4.Socket, s *jupyter.Signer, m *jupyter.Message) {
	t.Helper()
	frames, err := s.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		t.Fatal(err)
	}
}

func receive(t testing.TB, msgs <-chan *jupyter.Message) *jupyter.Message {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message received within 10s")
		return nil
	}
}

// waitFor retries cond for up to 10 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestRouterRoundTrip(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		for _, port := range []string{"shell", "control", "stdin"} {
			t.Run(transport+"/"+port, func(t *testing.T) {
				info := newInfo(t, transport)
				s := listen(t, info, channel.Options{})
				routers := map[string]*channel.Router{"shell": s.Shell(), "control": s.Control(), "stdin": s.Stdin()}
				ports := map[string]int{"shell": info.ShellPort, "control": info.ControlPort, "stdin": info.StdinPort}
				sg := signer(t, info)
				dealer := dial(t, zmq4.NewDealer(context.Background(), zmq4.WithID(zmq4.SocketIdentity("client-1"))), info, ports[port])

				req := request(t, "kernel_info_request")
				req.Buffers = [][]byte{[]byte("binary")}
				sendMsg(t, dealer, sg, req)
				got := receive(t, routers[port].Messages())
				if len(got.Identities) != 1 || string(got.Identities[0]) != "client-1" {
					t.Fatalf("identities %q, want [client-1]", got.Identities)
				}
				if got.Header != req.Header || string(got.Content) != string(req.Content) || len(got.Buffers) != 1 {
					t.Fatalf("received %+v, sent %+v", got, req)
				}

				reply, err := jupyter.NewMessage("kernel-session", "kernel", "kernel_info_reply", got, map[string]string{"status": "ok"})
				if err != nil {
					t.Fatal(err)
				}
				if err := routers[port].Send(reply); err != nil {
					t.Fatal(err)
				}
				raw, err := dealer.Recv()
				if err != nil {
					t.Fatal(err)
				}
				back, err := sg.Decode(raw.Frames)
				if err != nil {
					t.Fatal(err)
				}
				if back.ParentHeader == nil || back.ParentHeader.MsgID != req.Header.MsgID || back.Header.MsgType != "kernel_info_reply" {
					t.Fatalf("reply %+v does not answer %s", back, req.Header.MsgID)
				}
			})
		}
	}
}

func TestRouterDropsBadMessages(t *testing.T) {
	info := newInfo(t, "tcp")
	var logs logBuffer
	s := listen(t, info, channel.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	dealer := dial(t, zmq4.NewDealer(context.Background()), info, info.ShellPort)
	wrongKey, _ := jupyter.NewSigner("hmac-sha256", "not-the-key")
	good := signer(t, info)

	tests := []struct {
		name    string
		send    func()
		wantLog string
	}{
		{"garbage frames", func() {
			dealer.Send(zmq4.NewMsgFrom([]byte("hello"), []byte("world")))
		}, "delimiter"},
		{"short message", func() {
			dealer.Send(zmq4.NewMsgFrom([]byte("<IDS|MSG>"), []byte("sig")))
		}, "fewer than the 5 frames"},
		{"wrong key", func() { sendMsg(t, dealer, wrongKey, request(t, "execute_request")) }, "signature does not match"},
		{"bad json", func() {
			frames, _ := good.Encode(request(t, "execute_request"))
			frames[5] = []byte("{not json")
			dealer.Send(zmq4.NewMsgFrom(frames...))
		}, "signature does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.send()
			want := request(t, "execute_request")
			sendMsg(t, dealer, good, want)
			got := receive(t, s.Shell().Messages())
			if got.Header.MsgID != want.Header.MsgID {
				t.Fatalf("served %s (%s), want the good message %s", got.Header.MsgID, got.Header.MsgType, want.Header.MsgID)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Fatalf("log does not mention %q:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}

func TestRouterSendFailures(t *testing.T) {
	const timeout = 200 * time.Millisecond
	info := newInfo(t, "tcp")
	s := listen(t, info, channel.Options{SendTimeout: timeout})
	sg := signer(t, info)

	t.Run("no identity", func(t *testing.T) {
		if err := s.Shell().Send(request(t, "x")); err == nil || !strings.Contains(err.Error(), "no routing identity") {
			t.Fatalf("Send = %v, want an error about the missing identity", err)
		}
	})
	t.Run("unknown peer", func(t *testing.T) {
		m := request(t, "x")
		m.Identities = [][]byte{[]byte("nobody")}
		if err := s.Shell().Send(m); !errors.Is(err, channel.ErrNoPeer) {
			t.Fatalf("Send = %v, want ErrNoPeer", err)
		}
	})
	t.Run("vanished peer", func(t *testing.T) {
		dealer := zmq4.NewDealer(context.Background(), zmq4.WithID(zmq4.SocketIdentity("gone")))
		if err := dealer.Dial(info.Endpoint(info.ShellPort)); err != nil {
			t.Fatal(err)
		}
		sendMsg(t, dealer, sg, request(t, "kernel_info_request"))
		req := receive(t, s.Shell().Messages())
		dealer.Close()
		reply, _ := jupyter.NewMessage("k", "k", "kernel_info_reply", req, nil)
		waitFor(t, "Send to report the vanished peer", func() bool {
			return errors.Is(s.Shell().Send(reply), channel.ErrNoPeer)
		})
	})
	t.Run("peer not reading", func(t *testing.T) {
		// A DEALER that completes the handshake and then never reads.
		conn, err := net.Dial("tcp", net.JoinHostPort(info.IP, strconv.Itoa(info.ShellPort)))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		zc, err := zmq4.Open(conn, nullSecurity(), zmq4.Dealer, zmq4.SocketIdentity("stuck"), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		frames, _ := sg.Encode(request(t, "kernel_info_request"))
		if err := zc.SendMsg(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
		req := receive(t, s.Shell().Messages())
		big := bytes.Repeat([]byte("x"), 1<<20)
		var sendErr error
		for i := 0; i < 200 && sendErr == nil; i++ {
			reply, _ := jupyter.NewMessage("k", "k", "execute_reply", req, nil)
			reply.Buffers = [][]byte{big}
			start := time.Now()
			sendErr = s.Shell().Send(reply)
			// The bound is generous: it tells a send timeout apart
			// from zmq4's 5-minute default, not fast from slow.
			if d := time.Since(start); d > timeout+5*time.Second {
				t.Fatalf("Send blocked for %v with SendTimeout %v", d, timeout)
			}
		}
		if !errors.Is(sendErr, channel.ErrSendTimeout) {
			t.Fatalf("Send = %v, want ErrSendTimeout once the client's buffers are full", sendErr)
		}
	})
}

func TestHeartbeatEcho(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			info := newInfo(t, transport)
			listen(t, info, channel.Options{})
			req := dial(t, zmq4.NewReq(context.Background()), info, info.HBPort)
			for i := range 3 {
				ping := fmt.Sprintf("ping-%d", i)
				if err := req.Send(zmq4.NewMsgString(ping)); err != nil {
					t.Fatal(err)
				}
				pong, err := req.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if string(pong.Bytes()) != ping {
					t.Fatalf("pong %q, want %q", pong.Bytes(), ping)
				}
			}
		})
	}
}

var noticeRE = regexp.MustCompile(`\[gokernel: (\d+) output messages dropped because the client is not reading\]`)

func TestPublisherSlowSubscriber(t *testing.T) {
	const total, queue = 100_000, 256
	info := newInfo(t, "tcp")
	s := listen(t, info, channel.Options{IOPubQueue: queue})
	sg := signer(t, info)
	sub := dial(t, zmq4.NewSub(context.Background()), info, info.IOPubPort)
	sub.SetOption(zmq4.OptionSubscribe, "")

	parent := request(t, "execute_request")
	stream, _ := jupyter.NewMessage("kernel-session", "kernel", "stream", parent, map[string]string{"name": "stdout", "text": strings.Repeat("y", 200)})
	// Wait until the subscription has reached the kernel: publish until a
	// message arrives (one published before the subscription joined is
	// discarded, so a single publish could leave Recv waiting forever).
	_, warm := awaitSubscription(t, s, sub, stream)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range total {
		s.IOPub().Publish(stream)
	}
	elapsed := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	dropped := s.IOPub().Dropped()
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("published %d messages in %v (%.0f ns each) to a subscriber that does not read: %d dropped, heap grew %d KiB",
		total, elapsed, float64(elapsed.Nanoseconds())/total, dropped, growth/1024)
	if dropped == 0 {
		t.Fatal("no message was dropped although the subscriber did not read")
	}
	// With a queue of 256 messages of about 1 KiB, a few MiB is plenty;
	// an unbounded queue would hold about 100 MiB.
	if growth > 32<<20 {
		t.Fatalf("heap grew by %d MiB while the subscriber did not read", growth>>20)
	}

	// Now read everything: the notices must account for every drop.
	var noticed uint64
	var received int
	for noticed < dropped {
		raw, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		received++
		m, err := sg.Decode(raw.Frames)
		if err != nil {
			t.Fatal(err)
		}
		var c struct{ Name, Text string }
		m.Decode(&c)
		if match := noticeRE.FindStringSubmatch(c.Text); match != nil {
			n, _ := strconv.ParseUint(match[1], 10, 64)
			noticed += n
			if c.Name != "stderr" || m.ParentHeader == nil || m.ParentHeader.MsgID != parent.Header.MsgID {
				t.Fatalf("notice %+v with parent %+v, want stderr with the dropped message's parent", c, m.ParentHeader)
			}
		}
	}
	// Warm-up messages after the first may still arrive among the rest.
	if noticed != dropped || uint64(received) > total-dropped+queue+warm {
		t.Fatalf("notices report %d drops, Dropped says %d; received %d", noticed, dropped, received)
	}
}

// awaitSubscription publishes m every 10 ms until sub receives a message,
// which shows its subscription has reached the kernel: a message published
// before that is discarded, so publishing once could leave Recv waiting
// forever. It returns the first message received and how many copies of m
// were published.
func awaitSubscription(tb testing.TB, s *channel.Sockets, sub zmq4.Socket, m *jupyter.Message) (zmq4.Msg, uint64) {
	tb.Helper()
	stop := make(chan struct{})
	published := make(chan uint64)
	go func() {
		var n uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			s.IOPub().Publish(m)
			n++
			select {
			case <-stop:
				published <- n
				return
			case <-tick.C:
			}
		}
	}()
	raw, err := sub.Recv()
	close(stop)
	n := <-published
	if err != nil {
		tb.Fatal(err)
	}
	return raw, n
}

func TestPublisherFlush(t *testing.T) {
	// Flush returns once what was published has been written: closing the
	// sockets right after it loses nothing (without it, Close drops what
	// the writer has not sent yet).
	const total = 1000
	info := newInfo(t, "tcp")
	s, err := channel.Listen(context.Background(), info, channel.Options{IOPubQueue: 2 * total})
	if err != nil {
		t.Fatal(err)
	}
	sg := signer(t, info)
	sub := dial(t, zmq4.NewSub(context.Background()), info, info.IOPubPort)
	sub.SetOption(zmq4.OptionSubscribe, "")
	warmup := request(t, "status")
	awaitSubscription(t, s, sub, warmup)

	stream, _ := jupyter.NewMessage("kernel-session", "kernel", "stream", nil, map[string]string{"name": "stdout", "text": strings.Repeat("y", 1000)})
	for range total {
		s.IOPub().Publish(stream)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.IOPub().Flush(ctx); err != nil {
		t.Fatalf("Flush with a reading subscriber: %v", err)
	}
	s.Close()

	got := make(chan int)
	go func() {
		n := 0
		for n < total {
			raw, err := sub.Recv()
			if err != nil {
				break
			}
			if m, err := sg.Decode(raw.Frames); err == nil && m.Header.MsgID == stream.Header.MsgID {
				n++
			}
		}
		got <- n
	}()
	select {
	case n := <-got:
		if n != total {
			t.Fatalf("received %d of the %d messages published before Flush", n, total)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the messages published before Flush did not all arrive within 10 s")
	}
}

func TestPublisherFlushDoesNotWaitForever(t *testing.T) {
	// A subscriber that does not read: Flush gives up when its context ends.
	info := newInfo(t, "tcp")
	s := listen(t, info, channel.Options{IOPubQueue: 100_000, SendTimeout: time.Minute})
	sub := dial(t, zmq4.NewSub(context.Background()), info, info.IOPubPort)
	sub.SetOption(zmq4.OptionSubscribe, "")
	awaitSubscription(t, s, sub, request(t, "status"))
	big, _ := jupyter.NewMessage("kernel-session", "kernel", "stream", nil, map[string]string{"name": "stdout", "text": strings.Repeat("y", 64<<10)})
	for range 2000 { // 128 MiB: more than the socket buffers hold
		s.IOPub().Publish(big)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.IOPub().Flush(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Flush with a subscriber that does not read = %v, want %v", err, context.DeadlineExceeded)
	}
}

func TestPublisherWithoutSubscribers(t *testing.T) {
	info := newInfo(t, "tcp")
	s := listen(t, info, channel.Options{})
	m := request(t, "status")
	for range 100_000 {
		s.IOPub().Publish(m)
	}
	if d := s.IOPub().Dropped(); d != 0 {
		t.Fatalf("Dropped = %d with no subscriber, want 0 (PUB discards unsubscribed messages)", d)
	}
}

func TestPublisherTopics(t *testing.T) {
	info := newInfo(t, "ipc")
	s := listen(t, info, channel.Options{})
	sg := signer(t, info)
	sub := dial(t, zmq4.NewSub(context.Background()), info, info.IOPubPort)
	sub.SetOption(zmq4.OptionSubscribe, "kernel.")
	other, _ := jupyter.NewMessage("k", "k", "status", nil, nil) // topic "status": filtered out
	mine, _ := jupyter.NewMessage("k", "k", "stream", nil, nil)
	mine.Identities = [][]byte{[]byte("kernel.1.stream")}
	// Only mine passes the filter, so the first message to arrive is one
	// of the copies of mine.
	s.IOPub().Publish(other)
	raw, _ := awaitSubscription(t, s, sub, mine)
	got, err := sg.Decode(raw.Frames)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.MsgID != mine.Header.MsgID || string(got.Identities[0]) != "kernel.1.stream" {
		t.Fatalf("subscriber to kernel. got %s on topic %q", got.Header.MsgType, got.Identities)
	}
}

func TestListenErrors(t *testing.T) {
	info := newInfo(t, "tcp")
	busy, err := net.Listen("tcp", net.JoinHostPort(info.IP, strconv.Itoa(info.IOPubPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	before := runtime.NumGoroutine()
	_, err = channel.Listen(context.Background(), info, channel.Options{})
	if err == nil || !strings.Contains(err.Error(), "iopub") || !strings.Contains(err.Error(), strconv.Itoa(info.IOPubPort)) {
		t.Fatalf("Listen = %v, want an error naming the iopub socket and port", err)
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
	// The other ports were released: a second Listen on them works once the busy one is free.
	busy.Close()
	s, err := channel.Listen(context.Background(), info, channel.Options{})
	if err != nil {
		t.Fatalf("Listen after the port was freed: %v", err)
	}
	s.Close()

	bad := info
	bad.Transport = "udp"
	if _, err := channel.Listen(context.Background(), bad, channel.Options{}); err == nil {
		t.Fatal("Listen accepted udp")
	}
}

func TestContextStopsSockets(t *testing.T) {
	info := newInfo(t, "tcp")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := channel.Listen(ctx, info, channel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Err() != nil {
		t.Fatalf("Err = %v while serving", s.Err())
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the context was cancelled")
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Fatalf("Err = %v, want context.Canceled", s.Err())
	}
	if err := s.Close(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close = %v, want the context error", err)
	}
	if _, ok := <-s.Shell().Messages(); ok {
		t.Fatal("Messages still open after Close")
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			before := runtime.NumGoroutine()
			info := newInfo(t, transport)
			s, err := channel.Listen(context.Background(), info, channel.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sg := signer(t, info)
			// Raw connections that stay open while the sockets close.
			var conns []net.Conn
			for _, port := range []int{info.ShellPort, info.ControlPort, info.StdinPort, info.HBPort, info.IOPubPort} {
				network, addr := "tcp", net.JoinHostPort(info.IP, strconv.Itoa(port))
				if transport == "ipc" {
					network, addr = "unix", strings.TrimPrefix(info.Endpoint(port), "ipc://")
				}
				c, err := net.Dial(network, addr)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				typ := zmq4.Dealer
				if port == info.IOPubPort {
					typ = zmq4.Sub
				}
				zc, err := zmq4.Open(c, nullSecurity(), typ, zmq4.SocketIdentity("c"), false, nil)
				if err != nil {
					t.Fatal(err)
				}
				if port == info.ShellPort {
					frames, _ := sg.Encode(request(t, "kernel_info_request"))
					zc.SendMsg(zmq4.NewMsgFrom(frames...))
				}
			}
			// One connection that never finishes its handshake.
			half, err := net.Dial("tcp", "127.0.0.1:1")
			if err == nil {
				half.Close()
			}
			receive(t, s.Shell().Messages())
			s.IOPub().Publish(request(t, "status"))
			if err := s.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if !errors.Is(s.Err(), channel.ErrClosed) {
				t.Fatalf("Err = %v after Close, want ErrClosed", s.Err())
			}
			for _, c := range conns {
				c.Close()
			}
			waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
			if transport == "ipc" {
				if _, err := os.Stat(strings.TrimPrefix(info.Endpoint(info.ShellPort), "ipc://")); !os.IsNotExist(err) {
					t.Fatalf("ipc socket file left behind: %v", err)
				}
			}
		})
	}
}

func BenchmarkPublish(b *testing.B) {
	for _, subscribers := range []int{0, 1} {
		b.Run(fmt.Sprintf("subscribers=%d", subscribers), func(b *testing.B) {
			info := newInfo(b, "tcp")
			s := listen(b, info, channel.Options{})
			m, _ := jupyter.NewMessage("k", "k", "stream", request(b, "execute_request"), map[string]string{"name": "stdout", "text": "hello\n"})
			if subscribers == 1 {
				sub := dial(b, zmq4.NewSub(context.Background()), info, info.IOPubPort)
				sub.SetOption(zmq4.OptionSubscribe, "")
				awaitSubscription(b, s, sub, m)
				go func() { // drains until the socket closes at cleanup
					for {
						if _, err := sub.Recv(); err != nil {
							return
						}
					}
				}()
			}
			for b.Loop() {
				s.IOPub().Publish(m)
			}
			b.ReportMetric(float64(s.IOPub().Dropped()), "dropped")
		})
	}
}
