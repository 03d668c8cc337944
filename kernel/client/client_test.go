package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/client"
	"asyncgo/kernel/jupyter"
)

// echoKernel is a tiny kernel on kernel/channel: execute_request prints
// the code to stdout and returns it as the result; code "input:PROMPT"
// asks for input and prints the answer; code "fail" raises an error.
type echoKernel struct {
	t     testing.TB
	s     *channel.Sockets
	count int
	done  chan struct{}
}

func startKernel(t testing.TB, info jupyter.ConnectionInfo) *echoKernel {
	t.Helper()
	s, err := channel.Listen(context.Background(), info, channel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := &echoKernel{t: t, s: s, done: make(chan struct{})}
	go k.serve()
	t.Cleanup(k.stop)
	return k
}

func (k *echoKernel) stop() {
	k.s.Close()
	<-k.done
}

func (k *echoKernel) msg(msgType string, parent *jupyter.Message, content any) *jupyter.Message {
	m, err := jupyter.NewMessage("kernel", "kernel", msgType, parent, content)
	if err != nil {
		panic(err)
	}
	return m
}

func (k *echoKernel) publish(msgType string, parent *jupyter.Message, content any) {
	m := k.msg(msgType, parent, content)
	m.Identities = nil
	k.s.IOPub().Publish(m)
}

func (k *echoKernel) serve() {
	defer close(k.done)
	for {
		select {
		case req, ok := <-k.s.Shell().Messages():
			if !ok {
				return
			}
			k.publish("status", req, map[string]string{"execution_state": "busy"})
			switch req.Header.MsgType {
			case "kernel_info_request":
				k.s.Shell().Send(k.msg("kernel_info_reply", req, map[string]any{"status": "ok", "protocol_version": "5.4", "implementation": "echo"}))
			case "execute_request":
				k.execute(req)
			default:
				k.s.Shell().Send(k.msg(strings.Replace(req.Header.MsgType, "_request", "_reply", 1), req, map[string]any{"status": "ok", "echo": req.Content}))
			}
			k.publish("status", req, map[string]string{"execution_state": "idle"})
		case req, ok := <-k.s.Control().Messages():
			if !ok {
				return
			}
			k.s.Control().Send(k.msg(strings.Replace(req.Header.MsgType, "_request", "_reply", 1), req, map[string]string{"status": "ok"}))
		}
	}
}

func (k *echoKernel) execute(req *jupyter.Message) {
	var c struct {
		Code       string `json:"code"`
		AllowStdin bool   `json:"allow_stdin"`
	}
	req.Decode(&c)
	k.count++
	k.publish("execute_input", req, map[string]any{"code": c.Code, "execution_count": k.count})
	switch {
	case c.Code == "fail":
		k.publish("error", req, map[string]any{"ename": "Boom", "evalue": "it failed", "traceback": []string{"line 1"}})
		k.s.Shell().Send(k.msg("execute_reply", req, map[string]any{"status": "error", "execution_count": k.count, "ename": "Boom", "evalue": "it failed", "traceback": []string{"line 1"}}))
		return
	case strings.HasPrefix(c.Code, "input:"):
		if !c.AllowStdin {
			k.publish("stream", req, map[string]string{"name": "stderr", "text": "stdin not allowed"})
			break
		}
		ask := k.msg("input_request", req, map[string]any{"prompt": strings.TrimPrefix(c.Code, "input:"), "password": false})
		if err := k.s.Stdin().Send(ask); err != nil {
			k.t.Errorf("sending input_request: %v", err)
			break
		}
		answer := <-k.s.Stdin().Messages()
		var a struct{ Value string }
		answer.Decode(&a)
		if answer.ParentHeader == nil || answer.ParentHeader.MsgID != ask.Header.MsgID {
			k.t.Errorf("input_reply parent %+v, want %s", answer.ParentHeader, ask.Header.MsgID)
		}
		k.publish("stream", req, map[string]string{"name": "stdout", "text": "got " + a.Value})
	default:
		k.publish("stream", req, map[string]string{"name": "stdout", "text": c.Code})
	}
	k.publish("execute_result", req, map[string]any{"execution_count": k.count, "data": map[string]string{"text/plain": c.Code}, "metadata": map[string]any{}})
	k.s.Shell().Send(k.msg("execute_reply", req, map[string]any{"status": "ok", "execution_count": k.count}))
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

func connect(t testing.TB, info jupyter.ConnectionInfo) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, info, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func types(ms []*jupyter.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Header.MsgType)
	}
	return out
}

func TestExecute(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			info := newInfo(t, transport)
			startKernel(t, info)
			c := connect(t, info)
			ctx := testContext(t)

			tests := []struct {
				name        string
				code        string
				input       func(string, bool) (string, error)
				wantStatus  string
				wantOutputs []string
				wantText    string // text of the first output
				wantInputs  int
			}{
				{"print", "hello", nil, "ok", []string{"stream", "execute_result"}, "hello", 0},
				{"error", "fail", nil, "error", []string{"error"}, "", 0},
				{"input", "input:name? ", func(p string, pw bool) (string, error) {
					if p != "name? " || pw {
						t.Errorf("prompt %q password %v", p, pw)
					}
					return "gopher", nil
				}, "ok", []string{"stream", "execute_result"}, "got gopher", 1},
				{"input not allowed", "input:x", nil, "ok", []string{"stream", "execute_result"}, "stdin not allowed", 0},
			}
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					opts := client.NewExecuteOptions()
					opts.Input = tt.input
					var seen []string
					opts.OnOutput = func(m *jupyter.Message) { seen = append(seen, m.Header.MsgType) }
					e, err := c.Execute(ctx, tt.code, opts)
					if err != nil {
						t.Fatal(err)
					}
					if e.Status != tt.wantStatus || e.ExecutionCount != i+1 {
						t.Fatalf("status %q count %d, want %q %d", e.Status, e.ExecutionCount, tt.wantStatus, i+1)
					}
					if got := types(e.Outputs); !reflect.DeepEqual(got, tt.wantOutputs) || !reflect.DeepEqual(seen, got) {
						t.Fatalf("outputs %v, OnOutput saw %v, want %v", got, seen, tt.wantOutputs)
					}
					wantIOPub := append(append([]string{"status", "execute_input"}, tt.wantOutputs...), "status")
					if got := types(e.IOPub); !reflect.DeepEqual(got, wantIOPub) {
						t.Fatalf("iopub %v, want %v", got, wantIOPub)
					}
					if e.ExecuteInput == nil || len(e.InputRequests) != tt.wantInputs {
						t.Fatalf("execute_input %v, %d input requests", e.ExecuteInput, len(e.InputRequests))
					}
					if tt.wantText != "" {
						var s struct{ Text string }
						e.Outputs[0].Decode(&s)
						if s.Text != tt.wantText {
							t.Fatalf("first output %q, want %q", s.Text, tt.wantText)
						}
					}
					if tt.wantStatus == "error" {
						if e.EName != "Boom" || e.EValue != "it failed" || len(e.Traceback) != 1 || e.Err() == nil {
							t.Fatalf("error fields %q %q %v, Err %v", e.EName, e.EValue, e.Traceback, e.Err())
						}
					} else if e.Err() != nil {
						t.Fatalf("Err = %v", e.Err())
					}
				})
			}
		})
	}
}

func TestExecuteErrors(t *testing.T) {
	info := newInfo(t, "tcp")
	startKernel(t, info)
	c := connect(t, info)
	ctx := testContext(t)

	if _, err := c.Execute(ctx, "x", client.ExecuteOptions{AllowStdin: true}); err == nil || !strings.Contains(err.Error(), "Input") {
		t.Fatalf("AllowStdin without Input: %v", err)
	}
	inputErr := errors.New("no terminal")
	e, err := c.Execute(ctx, "input:x", client.ExecuteOptions{Input: func(string, bool) (string, error) { return "", inputErr }})
	if !errors.Is(err, inputErr) || e == nil || e.Status != "ok" {
		t.Fatalf("failing Input: execution %+v, error %v; want the completed execution and the Input error", e, err)
	}
	short, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-short.Done()
	if _, err := c.Execute(short, "x", client.ExecuteOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Execute with an expired context: %v", err)
	}
}

func TestRequests(t *testing.T) {
	info := newInfo(t, "tcp")
	startKernel(t, info)
	c := connect(t, info)
	ctx := testContext(t)

	info1, err := c.KernelInfo(ctx)
	if err != nil || info1.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("KernelInfo = %v, %v", info1, err)
	}
	tests := []struct{ channel, request, reply string }{
		{client.Shell, "complete_request", "complete_reply"},
		{client.Shell, "inspect_request", "inspect_reply"},
		{client.Control, "shutdown_request", "shutdown_reply"},
	}
	for _, tt := range tests {
		reply, err := c.Request(ctx, tt.channel, tt.request, map[string]any{"code": "x", "cursor_pos": 1})
		if err != nil {
			t.Fatalf("%s: %v", tt.request, err)
		}
		if reply.Header.MsgType != tt.reply {
			t.Fatalf("%s answered by %s", tt.request, reply.Header.MsgType)
		}
	}
	if _, err := c.Request(ctx, "stdin", "x", nil); err == nil {
		t.Fatal("Request on stdin succeeded")
	}
	if err := c.Interrupt(ctx); err != nil {
		t.Fatalf("Interrupt: %v", err)
	}
	for range 3 {
		if err := c.Heartbeat(ctx); err != nil {
			t.Fatalf("Heartbeat: %v", err)
		}
	}
}

func TestIOPubSubscription(t *testing.T) {
	info := newInfo(t, "tcp")
	startKernel(t, info)
	c := connect(t, info)
	ctx := testContext(t)
	sub := c.IOPub()
	defer sub.Close()
	var want []string
	requests := map[string]bool{}
	for _, code := range []string{"a", "b"} {
		e, err := c.Execute(ctx, code, client.NewExecuteOptions())
		if err != nil {
			t.Fatal(err)
		}
		requests[e.Request.Header.MsgID] = true
		for _, m := range e.IOPub {
			want = append(want, m.Header.MsgID)
		}
	}
	for i, id := range want {
		m, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Skip the tail of WaitReady's kernel_info exchange.
		for m.ParentHeader == nil || !requests[m.ParentHeader.MsgID] {
			if m, err = sub.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if m.Header.MsgID != id {
			t.Fatalf("message %d is %s (%s), want %s", i, m.Header.MsgID, m.Header.MsgType, id)
		}
	}
}

func TestKernelGoneAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	info := newInfo(t, "tcp")
	k := startKernel(t, info)
	ctx := testContext(t)
	c, err := client.Dial(ctx, info, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	k.stop()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := c.Heartbeat(short); err == nil {
		t.Fatal("Heartbeat succeeded with the kernel stopped")
	}
	if err := c.Close(); err != nil {
		t.Logf("Close: %v", err)
	}
	if _, err := c.KernelInfo(ctx); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("KernelInfo after Close = %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func BenchmarkExecute(b *testing.B) {
	for _, transport := range []string{"tcp", "ipc"} {
		b.Run(transport, func(b *testing.B) {
			info := newInfo(b, transport)
			startKernel(b, info)
			c := connect(b, info)
			ctx := context.Background()
			opts := client.NewExecuteOptions()
			for b.Loop() {
				if _, err := c.Execute(ctx, "x", opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHeartbeat(b *testing.B) {
	info := newInfo(b, "tcp")
	startKernel(b, info)
	c := connect(b, info)
	for b.Loop() {
		if err := c.Heartbeat(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
