package channel_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/jupyter"
)

// rawPeer completes the ZMTP handshake on the shell port and returns the
// connection, so a test can write frame headers by hand.
func rawPeer(t *testing.T, info jupyter.ConnectionInfo, id string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", net.JoinHostPort(info.IP, strconv.Itoa(info.ShellPort)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := zmq4.Open(conn, nullSecurity(), zmq4.Dealer, zmq4.SocketIdentity(id), false, nil); err != nil {
		t.Fatal(err)
	}
	return conn
}

// longHeader is the header of a final ZMTP frame of size n.
func longHeader(flags byte, n uint64) []byte {
	h := make([]byte, 9)
	h[0] = flags | 0x02
	binary.BigEndian.PutUint64(h[1:], n)
	return h
}

// TestOversizedMessages: a peer that declares or sends more than
// MaxMessage loses its connection, before the kernel allocates the size,
// and every other client is served as before.
func TestOversizedMessages(t *testing.T) {
	const limit = 1 << 20
	cases := []struct {
		name  string
		write func(w io.Writer)
	}{
		{"1 TiB frame header", func(w io.Writer) { w.Write(longHeader(0, 1<<40)) }},
		{"largest header", func(w io.Writer) { w.Write(longHeader(0, 1<<64-1)) }},
		{"frames adding up over the limit", func(w io.Writer) {
			part := bytes.Repeat([]byte("x"), limit/2+1)
			w.Write(longHeader(0x01, uint64(len(part))))
			w.Write(part)
			w.Write(longHeader(0, uint64(len(part))))
			w.Write(part)
		}},
	}
	info := newInfo(t, "tcp")
	logs := &logBuffer{}
	s := listen(t, info, channel.Options{MaxMessage: limit, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	sg := signer(t, info)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := rawPeer(t, info, "attacker")
			c.write(conn)
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			// EOF, or a reset when the kernel closed with data unread.
			if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("the kernel did not close the connection: %v", err)
			}
			// Another client still gets through, with a message near the limit.
			dealer := dial(t, zmq4.NewDealer(context.Background()), info, info.ShellPort)
			m := request(t, "execute_request")
			m.Buffers = [][]byte{bytes.Repeat([]byte("y"), limit/2)}
			sendMsg(t, dealer, sg, m)
			got := receive(t, s.Shell().Messages())
			if got.Header.MsgID != m.Header.MsgID || len(got.Buffers) != 1 || len(got.Buffers[0]) != limit/2 {
				t.Fatalf("after the oversized message, got %+v", got.Header)
			}
		})
	}
	if !strings.Contains(logs.String(), channel.MaxMessageEnv) {
		t.Errorf("the log does not say how to raise the limit (%s):\n%s", channel.MaxMessageEnv, logs)
	}
}

// TestZMTPPing: a ZMTP PING command is answered with a PONG carrying its
// context, and the connection stays usable.
func TestZMTPPing(t *testing.T) {
	info := newInfo(t, "tcp")
	s := listen(t, info, channel.Options{})
	conn := rawPeer(t, info, "pinger")
	body := []byte("\x04PING\x00\x0actx")
	conn.Write(append([]byte{0x04, byte(len(body))}, body...))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		t.Fatal(err)
	}
	pong := make([]byte, hdr[1])
	if _, err := io.ReadFull(conn, pong); err != nil {
		t.Fatal(err)
	}
	if hdr[0] != 0x04 || string(pong) != "\x04PONGctx" {
		t.Fatalf("answer to PING: flags %#x body %q, want a command \"\\x04PONGctx\"", hdr[0], pong)
	}
	frames, err := signer(t, info).Encode(request(t, "kernel_info_request"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags = 0x01
		}
		conn.Write(longHeader(flags, uint64(len(f))))
		conn.Write(f)
	}
	receive(t, s.Shell().Messages())
}
