package main_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/client"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/runner"
)

// gokernelBin is the gokernel binary under test, built once by TestMain.
var gokernelBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "gokernel-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gokernelBin = filepath.Join(dir, "gokernel")
	out, err := exec.Command("go", "build", "-o", gokernelBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build gokernel: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// Kernels run cells under the small supervisor when it is built, as
	// gokernel install builds it; build it now, so that every kernel of
	// these tests uses it (runner's tests cover the fallback).
	if _, err := runner.NewSupervisors(runner.SupervisorOptions{}).Build(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// kernel is a running gokernel process with a client connected to it.
type kernel struct {
	t      *testing.T
	cmd    *exec.Cmd
	info   jupyter.ConnectionInfo
	c      *client.Client
	stderr *lockedBuffer
	done   chan error

	stopOnce sync.Once
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startKernel starts gokernel kernel over transport ("tcp" or "ipc") with
// extra environment, and connects a client. The kernel is shut down when
// the test ends.
func startKernel(t *testing.T, transport string, env ...string) *kernel {
	t.Helper()
	info, err := jupyter.NewConnectionInfo(transport)
	if err != nil {
		t.Fatal(err)
	}
	if transport == "ipc" {
		// NewConnectionInfo made a directory for the sockets; the kernel
		// removes its socket files, the test the directory. Registered
		// first, it runs after the kernel's shutdown below.
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(info.IP)) })
	}
	connFile := filepath.Join(t.TempDir(), "kernel.json")
	if err := info.WriteFile(connFile); err != nil {
		t.Fatal(err)
	}
	k := &kernel{t: t, info: info, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	k.cmd = exec.Command(gokernelBin, "kernel", "--connection-file", connFile)
	k.cmd.Dir = t.TempDir()
	k.cmd.Env = append(os.Environ(), env...)
	k.cmd.Stderr = k.stderr
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { k.done <- k.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k.c, err = client.Dial(ctx, info, client.Options{})
	if err != nil {
		k.cmd.Process.Kill()
		t.Fatal(err)
	}
	if err := k.c.WaitReady(ctx); err != nil {
		k.cmd.Process.Kill()
		t.Fatalf("kernel not ready: %v\nkernel log:\n%s", err, k.stderr.String())
	}
	t.Cleanup(k.stop)
	return k
}

// stop shuts the kernel down (once; later calls do nothing) and fails the
// test if the kernel, built with -race, reported a data race.
func (k *kernel) stop() {
	k.stopOnce.Do(func() {
		defer k.c.Close()
		select {
		case <-k.done:
			return // it has exited already
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		k.c.Request(ctx, client.Control, "shutdown_request", map[string]any{"restart": false})
		select {
		case <-k.done:
		case <-time.After(10 * time.Second):
			k.cmd.Process.Kill()
			<-k.done
			k.t.Errorf("kernel did not exit after shutdown_request\nkernel log:\n%s", k.stderr.String())
		}
	})
	if log := k.stderr.String(); strings.Contains(log, "WARNING: DATA RACE") {
		k.t.Errorf("the kernel reported a data race:\n%s", log)
	}
}

// exec runs code as a notebook cell does.
func (k *kernel) exec(code string) *client.Execution {
	k.t.Helper()
	return k.execWith(code, client.NewExecuteOptions())
}

func (k *kernel) execWith(code string, opts client.ExecuteOptions) *client.Execution {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := k.c.Execute(ctx, code, opts)
	if err != nil {
		k.t.Fatalf("execute %q: %v\nkernel log:\n%s", code, err, k.stderr.String())
	}
	return e
}

func (k *kernel) request(channel, msgType string, content any) map[string]any {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := k.c.Request(ctx, channel, msgType, content)
	if err != nil {
		k.t.Fatalf("%s: %v", msgType, err)
	}
	var c map[string]any
	if err := m.Decode(&c); err != nil {
		k.t.Fatal(err)
	}
	return c
}

// stdout joins the stdout stream outputs of an execution.
func stdout(e *client.Execution) string { return streamText(e, "stdout") }

func streamText(e *client.Execution, name string) string {
	var b strings.Builder
	for _, m := range e.Outputs {
		if m.Header.MsgType != "stream" {
			continue
		}
		var c struct{ Name, Text string }
		m.Decode(&c)
		if c.Name == name {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

func outputTypes(e *client.Execution) []string {
	var types []string
	for _, m := range e.Outputs {
		types = append(types, m.Header.MsgType)
	}
	return types
}

func content(t *testing.T, m *jupyter.Message) map[string]any {
	t.Helper()
	var c map[string]any
	if err := m.Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestKernelInfo(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			k := startKernel(t, transport)
			for _, ch := range []string{client.Shell, client.Control} {
				c := k.request(ch, "kernel_info_request", map[string]any{})
				if c["protocol_version"] != "5.4" || c["implementation"] != "gokernel" {
					t.Errorf("%s: kernel_info %v", ch, c)
				}
				li, _ := c["language_info"].(map[string]any)
				want := map[string]any{"name": "go", "mimetype": "text/x-go", "file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go"}
				for key, v := range want {
					if li[key] != v {
						t.Errorf("%s: language_info[%s] = %v, want %v", ch, key, li[key], v)
					}
				}
				if v, _ := li["version"].(string); !regexp.MustCompile(`^1\.\d+`).MatchString(v) {
					t.Errorf("language_info.version = %q, want a Go version", v)
				}
			}
			if err := k.c.Heartbeat(context.Background()); err != nil {
				t.Errorf("heartbeat: %v", err)
			}
		})
	}
}

func TestExecuteMessageOrder(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	e := k.exec(`fmt.Println("hello")`)
	var seq []string
	for _, m := range e.IOPub {
		s := m.Header.MsgType
		if s == "status" {
			s += ":" + content(t, m)["execution_state"].(string)
		}
		seq = append(seq, s)
	}
	want := []string{"status:busy", "execute_input", "stream", "status:idle"}
	if strings.Join(seq, " ") != strings.Join(want, " ") {
		t.Errorf("iopub sequence %v, want %v", seq, want)
	}
	for _, m := range e.IOPub {
		if m.ParentHeader == nil || m.ParentHeader.MsgID != e.Request.Header.MsgID {
			t.Errorf("%s has parent %v, want the request", m.Header.MsgType, m.ParentHeader)
		}
	}
	if stdout(e) != "hello\n" || e.Status != "ok" || e.ExecutionCount != 1 {
		t.Errorf("stdout %q status %s count %d", stdout(e), e.Status, e.ExecutionCount)
	}
}

func TestExecutionCountAndSilent(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	opts := client.NewExecuteOptions()
	if e := k.execWith(`fmt.Println(1)`, opts); e.ExecutionCount != 1 {
		t.Errorf("first count %d, want 1", e.ExecutionCount)
	}
	noHistory := opts
	noHistory.StoreHistory = false
	if e := k.execWith(`fmt.Println(2)`, noHistory); e.ExecutionCount != 1 {
		t.Errorf("count without store_history %d, want 1", e.ExecutionCount)
	}
	silent := opts
	silent.Silent = true
	e := k.execWith(`fmt.Println("quiet"); panic("also quiet")`, silent)
	for _, m := range e.IOPub {
		if m.Header.MsgType != "status" {
			t.Errorf("silent execution published %s", m.Header.MsgType)
		}
	}
	if e := k.execWith(`fmt.Println(3)`, opts); e.ExecutionCount != 2 {
		t.Errorf("count after silent %d, want 2", e.ExecutionCount)
	}
}

func TestCellsPersistDeclarationsNotValues(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	steps := []struct{ code, want string }{
		{"type Point struct{ X, Y int }\nfunc (p Point) Sum() int { return p.X + p.Y }\nvar counter = 10", ""},
		{"counter++\nfmt.Println(Point{1, 2}.Sum(), counter)", "3 11\n"},
		{"fmt.Println(counter)", "10\n"},
		{"func (p Point) Sum() int { return 100 }\nfmt.Println(Point{}.Sum())", "100\n"},
		{"import \"strings\"\nfmt.Println(strings.Repeat(\"ab\", 2))", "abab\n"},
		{"fmt.Println(strings.ToUpper(\"remembered\"))", "REMEMBERED\n"},
	}
	for _, s := range steps {
		e := k.exec(s.code)
		if e.Status != "ok" || stdout(e) != s.want {
			t.Errorf("%q: status %s (%s: %s), stdout %q, want %q", s.code, e.Status, e.EName, e.EValue, stdout(e), s.want)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	tests := []struct {
		name, code, ename string
		evalue, trace     *regexp.Regexp
	}{
		{"compile", "x := 1\nfmt.Println(undefinedName + x)", "CompileError", regexp.MustCompile(`undefined: undefinedName`), regexp.MustCompile(`In\[1\]:2:13`)},
		{"syntax", "func f( {", "SyntaxError", regexp.MustCompile(`.`), regexp.MustCompile(`In\[2\]:1`)},
		{"panic", "var m map[string]int\nm[\"a\"] = 1", "panic", regexp.MustCompile(`assignment to entry in nil map`), regexp.MustCompile(`In\[3\]:2`)},
		{"panic in goroutine", "done := make(chan bool)\ngo func() {\n\tpanic(\"in a goroutine\")\n}()\n<-done", "panic", regexp.MustCompile(`in a goroutine`), regexp.MustCompile(`In\[4\]:3`)},
		// The compiler's deadlock report names the cell line; yaegi's
		// names none (see kernel/interp), so this row compiles.
		{"deadlock", "ch := make(chan int)\nch <- 1", "fatal error", regexp.MustCompile(`all goroutines are asleep - deadlock!`), regexp.MustCompile(`In\[5\]:2`)},
		{"exit", "os.Exit(3)", "ExitError", regexp.MustCompile(`status 3`), regexp.MustCompile(`ExitError`)},
		{"unknown magic", "%nosuchmagic", "SyntaxError", regexp.MustCompile(`unknown magic`), regexp.MustCompile(`%help`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := k.exec(tt.code)
			if e.Status != "error" || e.EName != tt.ename || !tt.evalue.MatchString(e.EValue) {
				t.Fatalf("status %s ename %q evalue %q, want error %q matching %v", e.Status, e.EName, e.EValue, tt.ename, tt.evalue)
			}
			tb := strings.Join(e.Traceback, "\n")
			if !tt.trace.MatchString(tb) {
				t.Errorf("traceback does not match %v:\n%s", tt.trace, tb)
			}
			if strings.Contains(tb, "main.go") || strings.Contains(tb, "/tmp/") || regexp.MustCompile(`cell[0-9a-f]{12}`).MatchString(tb) {
				t.Errorf("traceback shows generated files:\n%s", tb)
			}
			errors := 0
			for _, m := range e.Outputs {
				if m.Header.MsgType == "error" {
					errors++
				}
			}
			if errors != 1 {
				t.Errorf("%d error outputs, want exactly 1 (outputs %v)", errors, outputTypes(e))
			}
			if s := streamText(e, "stderr"); strings.Contains(s, "goroutine ") || strings.Contains(s, tt.evalue.String()) {
				t.Errorf("the error is also dumped on stderr: %q", s)
			}
		})
	}
	if e := k.exec(`fmt.Println("still alive")`); stdout(e) != "still alive\n" {
		t.Errorf("kernel unusable after errors: %q", stdout(e))
	}
}

func TestIsComplete(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	tests := []struct{ code, status string }{
		{`fmt.Println("x")`, "complete"},
		{"for i := 0; i < 3; i++ {", "incomplete"},
		{"x := `raw", "incomplete"},
		{"x := )", "invalid"},
		{"%help", "complete"},
	}
	for _, tt := range tests {
		c := k.request(client.Shell, "is_complete_request", map[string]any{"code": tt.code})
		if c["status"] != tt.status {
			t.Errorf("is_complete(%q) = %v, want %s", tt.code, c["status"], tt.status)
		}
		if tt.status == "incomplete" {
			if _, ok := c["indent"].(string); !ok {
				t.Errorf("is_complete(%q) has no indent", tt.code)
			}
		}
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	cells := []string{`fmt.Println("a")`, `fmt.Println("b")`, `40 + 2`}
	outputs := map[string]any{cells[0]: nil, cells[1]: nil, cells[2]: "42"}
	for _, c := range cells {
		k.exec(c)
	}
	tests := []struct {
		req  map[string]any
		want []string
	}{
		{map[string]any{"hist_access_type": "tail", "n": 2, "raw": true}, cells[1:]},
		{map[string]any{"hist_access_type": "range", "session": 0, "start": 1, "stop": 3, "raw": true}, cells[:2]},
		{map[string]any{"hist_access_type": "range", "session": 1, "start": 3, "stop": 4, "raw": true}, cells[2:]},
		{map[string]any{"hist_access_type": "search", "pattern": "*Println(\"*", "n": 10, "raw": true}, cells[:2]},
		{map[string]any{"hist_access_type": "search", "pattern": "40*", "raw": true}, cells[2:]},
	}
	for _, tt := range tests {
		for _, output := range []bool{false, true} {
			tt.req["output"] = output
			c := k.request(client.Shell, "history_request", tt.req)
			hist, _ := c["history"].([]any)
			var got []string
			for _, h := range hist {
				row := h.([]any)
				if len(row) != 3 {
					t.Fatalf("history %v: entry %v, want (session, line, input)", tt.req, row)
				}
				if !output {
					got = append(got, row[2].(string))
					continue
				}
				pair, ok := row[2].([]any)
				if !ok || len(pair) != 2 {
					t.Fatalf("history %v: entry %v, want (session, line, (input, output))", tt.req, row)
				}
				in := pair[0].(string)
				if pair[1] != outputs[in] {
					t.Errorf("history %v: output of %q = %#v, want %#v", tt.req, in, pair[1], outputs[in])
				}
				got = append(got, in)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("history %v = %q, want %q", tt.req, got, tt.want)
			}
		}
	}
}

func TestComms(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	c := k.request(client.Shell, "comm_info_request", map[string]any{})
	if c["status"] != "ok" {
		t.Errorf("comm_info %v", c)
	}
	sub := k.c.IOPub()
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// comm_open has no reply, so it goes out on a socket of its own.
	msg, err := jupyter.NewMessage("test-session", "test", "comm_open", nil, map[string]any{"comm_id": "c1", "target_name": "nobody.listens", "data": map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := jupyter.NewSigner(k.info.SignatureScheme, k.info.Key)
	frames, err := signer.Encode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendRaw(k.info, frames); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("no comm_close for an unknown target: %v", err)
		}
		if m.Header.MsgType == "comm_close" {
			if content(t, m)["comm_id"] != "c1" {
				t.Errorf("comm_close %v", content(t, m))
			}
			return
		}
	}
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"message", "signal"} {
		t.Run(mode, func(t *testing.T) {
			k := startKernel(t, "tcp")
			wait := k.execUntil("fmt.Println(\"sleeping\")\ntime.Sleep(time.Hour)", func(string) bool { return true })
			if mode == "message" {
				if err := k.c.Interrupt(context.Background()); err != nil {
					t.Fatal(err)
				}
			} else {
				k.cmd.Process.Signal(syscall.SIGINT)
			}
			if e := wait(); e.Status != "error" || e.EName != "Interrupted" {
				t.Fatalf("status %s ename %q, want an Interrupted error", e.Status, e.EName)
			}
			if got := stdout(k.exec(`fmt.Println("next")`)); got != "next\n" {
				t.Errorf("cell after the interrupt printed %q", got)
			}
		})
	}
}

func TestCellProcessKilled(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	pid := 0
	wait := k.execUntil("fmt.Println(os.Getpid())\ntime.Sleep(time.Hour)", func(text string) bool {
		n, err := strconv.Atoi(strings.TrimSpace(text))
		pid = n
		return err == nil
	})
	syscall.Kill(pid, syscall.SIGKILL)
	if e := wait(); e.EName != "Signal" || !strings.Contains(e.EValue, "killed") || !strings.Contains(e.EValue, "memory") {
		t.Errorf("ename %q evalue %q, want a Signal error naming the kill", e.EName, e.EValue)
	}
	if got := stdout(k.exec(`fmt.Println("survived")`)); got != "survived\n" {
		t.Errorf("kernel after a killed cell printed %q", got)
	}
}

func TestShutdownRestart(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprint("restart=", restart), func(t *testing.T) {
			k := startKernel(t, "tcp")
			c := k.request(client.Control, "shutdown_request", map[string]any{"restart": restart})
			if c["status"] != "ok" || c["restart"] != restart {
				t.Errorf("shutdown_reply %v", c)
			}
			select {
			case err := <-k.done:
				k.done <- err
				if err != nil {
					t.Errorf("kernel exited with %v\n%s", err, k.stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Error("kernel still running after shutdown_reply")
			}
		})
	}
}

func TestStreamCoalescingAndUTF8(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	e := k.exec("for i := 0; i < 20000; i++ {\n\tfmt.Println(\"line\", i)\n}")
	var want strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintln(&want, "line", i)
	}
	if stdout(e) != want.String() {
		t.Errorf("20000 lines arrived changed (%d bytes, want %d)", len(stdout(e)), want.Len())
	}
	if n := len(e.Outputs); n > 50 {
		t.Errorf("20000 prints sent as %d stream messages; want them coalesced", n)
	}
	// Multi-byte characters written one byte at a time, slowly enough that
	// flushes fall inside characters.
	e = k.exec("s := []byte(\"héllo wörld ☃ 🎉\\n\")\nfor _, b := range s {\n\tos.Stdout.Write([]byte{b})\n\ttime.Sleep(7 * time.Millisecond)\n}")
	for _, m := range e.Outputs {
		var c struct{ Text string }
		m.Decode(&c)
		if !utf8.ValidString(c.Text) {
			t.Errorf("stream message splits a character: %q", c.Text)
		}
	}
	if got := stdout(e); got != "héllo wörld ☃ 🎉\n" {
		t.Errorf("got %q", got)
	}
}

func TestOutputLimitAndInterruptedFlood(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp", "GOKERNEL_OUTPUT_LIMIT=64KiB")
	wait := k.execUntil("for i := 0; ; i++ {\n\tfmt.Println(\"flood\", i)\n}", outputCut)
	if err := k.c.Interrupt(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := wait()
	if got := len(stdout(e)); got > 64<<10 {
		t.Errorf("%d bytes of stdout passed a 64 KiB limit", got)
	}
	if e.EName != "Interrupted" {
		t.Errorf("ename %q, want Interrupted", e.EName)
	}
}

// outputCut reports whether an output's text is the notice that the
// cell's output was cut.
func outputCut(text string) bool { return strings.Contains(text, "the rest is not shown") }

// execUntil starts code and returns once an output whose text satisfies
// seen has arrived (failing the test if none does within two minutes);
// wait waits for the execution to end (at most a minute) and returns it.
func (k *kernel) execUntil(code string, seen func(text string) bool) (wait func() *client.Execution) {
	k.t.Helper()
	opts := client.NewExecuteOptions()
	found := make(chan bool, 1)
	matched := false // seen is not called again once it matched
	opts.OnOutput = func(m *jupyter.Message) {
		if matched {
			return
		}
		var c struct{ Text string }
		m.Decode(&c)
		if seen(c.Text) {
			matched = true
			select {
			case found <- true:
			default:
			}
		}
	}
	done := make(chan *client.Execution, 1)
	go func() {
		e, _ := k.c.Execute(context.Background(), code, opts)
		done <- e
	}()
	select {
	case <-found:
	case e := <-done:
		k.t.Fatalf("%q ended before the awaited output: %v", code, outputTypes(e))
	case <-time.After(2 * time.Minute):
		k.t.Fatalf("%q: the awaited output never came", code)
	}
	return func() *client.Execution {
		k.t.Helper()
		select {
		case e := <-done:
			if e == nil {
				k.t.Fatal("no execution")
			}
			return e
		case <-time.After(time.Minute):
			k.t.Fatalf("%q did not end", code)
			return nil
		}
	}
}

func TestStdin(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	code := "var name string\nfmt.Scan(&name)\nfmt.Println(\"hello\", name)"
	opts := client.NewExecuteOptions()
	opts.Input = func(prompt string, password bool) (string, error) { return "gopher", nil }
	e := k.execWith(code, opts)
	if stdout(e) != "hello gopher\n" || len(e.InputRequests) != 1 {
		t.Errorf("answered: stdout %q, %d input requests", stdout(e), len(e.InputRequests))
	}
	e = k.exec(code)
	if stdout(e) != "hello \n" || !strings.Contains(streamText(e, "stderr"), "does not accept input") {
		t.Errorf("refused: stdout %q stderr %q", stdout(e), streamText(e, "stderr"))
	}
}

func TestKernelDoesNotGrow(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80 cells take a while")
	}
	k := startKernel(t, "tcp")
	state := func() map[string]float64 {
		out := stdout(k.exec("%kernel"))
		s := map[string]float64{}
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			key, v, ok := strings.Cut(sc.Text(), ": ")
			if !ok {
				continue
			}
			f, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			if err == nil {
				s[key] = f
			}
		}
		return s
	}
	// Warm up: the first cells load caches that stay.
	for i := 0; i < 10; i++ {
		k.exec(fmt.Sprintf("fmt.Println(%d)", i))
	}
	// A goroutine or a file left behind by each cell shows as 80 more
	// after 80 cells, where the check allows 2: as plainly as after 200.
	before := state()
	for i := 0; i < 80; i++ {
		code := fmt.Sprintf("fmt.Println(%d)", i%7) // some new programs, some cached
		if i%20 == 0 {
			code = "panic(\"x\")"
		}
		k.exec(code)
	}
	after := state()
	t.Logf("before %v\nafter  %v", before, after)
	if after["goroutines"] > before["goroutines"]+2 {
		t.Errorf("goroutines grew from %v to %v", before["goroutines"], after["goroutines"])
	}
	// The kernel holds 4 pipes to each of its (at most 2) spare
	// processes, which may be starting as either state is taken.
	if after["open files"] > before["open files"]+2+8 {
		t.Errorf("open files grew from %v to %v", before["open files"], after["open files"])
	}
	if after["heap"] > before["heap"]*2+4 {
		t.Errorf("heap grew from %v MiB to %v MiB", before["heap"], after["heap"])
	}
}

func TestBadMessagesAreDropped(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	bad := []struct {
		name   string
		frames [][]byte
	}{
		{"garbage", [][]byte{[]byte("not"), []byte("a jupyter message")}},
		{"wrong signature", nil}, // filled below
	}
	good, _ := jupyter.NewMessage(k.c.Session(), "test", "kernel_info_request", nil, map[string]any{})
	wrong, _ := jupyter.NewSigner("hmac-sha256", "not-the-key")
	frames, err := wrong.Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	bad[1].frames = frames
	for _, b := range bad {
		if err := sendRaw(k.info, b.frames); err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
	}
	// The kernel keeps serving.
	c := k.request(client.Shell, "kernel_info_request", map[string]any{})
	if c["status"] != "ok" {
		t.Errorf("kernel_info after bad messages: %v", c)
	}
	log := k.stderr.String()
	if !strings.Contains(strings.ToLower(log), "signature") {
		t.Errorf("the bad signature was not logged:\n%s", log)
	}
}

// sendRaw sends frames to the kernel's shell socket from a socket of its
// own, as a misbehaving client would.
func sendRaw(info jupyter.ConnectionInfo, frames [][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("raw-test-client")))
	defer s.Close()
	if err := s.Dial(info.Endpoint(info.ShellPort)); err != nil {
		return err
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		return err
	}
	// Give the kernel a moment to read before the socket closes.
	time.Sleep(200 * time.Millisecond)
	return nil
}

func TestRaceDetectorReportNamesCells(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("the race detector needs cgo and a C compiler")
	}
	k := startKernel(t, "tcp")
	e := k.exec("%goflags -race\nn := 0\nvar wg sync.WaitGroup\nfor range 2 {\n\twg.Go(func() { n++ })\n}\nwg.Wait()\nfmt.Println(n)")
	if e.EName != "DataRace" {
		t.Fatalf("ename %q evalue %q, want DataRace", e.EName, e.EValue)
	}
	report := streamText(e, "stderr")
	if !strings.Contains(report, "WARNING: DATA RACE") || !strings.Contains(report, "In[1]:5") {
		t.Errorf("race report does not name In[1]:5:\n%s", report)
	}
	if regexp.MustCompile(`cell[0-9a-f]{12}`).MatchString(report) {
		t.Errorf("race report shows generated names:\n%s", report)
	}
	k.exec("%goflags --reset")
	// What a program prints about its own stack reaches the notebook with
	// the cell's name too.
	if got := stdout(k.exec("buf := make([]byte, 4096)\nn := runtime.Stack(buf, false)\nfmt.Println(string(buf[:n]))")); !strings.Contains(got, "In[3]:2") {
		t.Errorf("printed runtime.Stack output does not name In[3]:2: %q", got)
	}
}

func TestShellLines(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	tests := []struct {
		code, want string
	}{
		{"!echo hello from sh", "hello from sh\n"},
		{"%env GREETING=hi\n!echo $GREETING", "Environment:\n  GREETING=hi\nhi\n"},
		{"!cd \"$GOKERNEL_WORKSPACE\" && go list asyncgo/helpers/timeline", "asyncgo/helpers/timeline\n"},
	}
	for _, tt := range tests {
		e := k.exec(tt.code)
		if e.Status != "ok" || stdout(e) != tt.want {
			t.Errorf("%q: status %s (%s), stdout %q, want %q", tt.code, e.Status, e.EValue, stdout(e), tt.want)
		}
	}
	if e := k.exec("!exit 3"); e.EName != "ShellError" {
		t.Errorf("a failing shell line gave %q %q, want ShellError", e.EName, e.EValue)
	}
}

func TestThirdPartyImportOffline(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp", "GOPROXY=off")
	e := k.exec("import \"example.com/not/fetched\"\nfetched.Do()")
	tb := strings.Join(e.Traceback, "\n")
	if e.EName != "CompileError" || !strings.Contains(e.EValue, "1 error: ") || !strings.Contains(e.EValue, "example.com/not/fetched") {
		t.Errorf("ename %q evalue %q, want one CompileError naming the package", e.EName, e.EValue)
	}
	if strings.Contains(tb, "finding module") || !strings.Contains(tb, "module proxy") || !strings.Contains(tb, "In[1]:1:8") {
		t.Errorf("traceback should point at the import and say how packages are fetched:\n%s", tb)
	}
}
