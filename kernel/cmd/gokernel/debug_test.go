package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/client"
	"asyncgo/kernel/debugger"
)

// requireDlv skips a test when delve is not installed, unless
// GOKERNEL_REQUIRE_DLV=1 (as in CI) makes that a failure.
func requireDlv(t *testing.T) {
	t.Helper()
	if _, err := debugger.FindDlv(""); err != nil {
		if os.Getenv("GOKERNEL_REQUIRE_DLV") == "1" {
			t.Fatalf("%v and GOKERNEL_REQUIRE_DLV=1; install it: %s", err, debugger.InstallCommand)
		}
		t.Skipf("%v: %s", err, debugger.InstallCommand)
	}
}

// debugSession sends DAP requests as debug_request messages and reads the
// debug_event messages on IOPub.
type debugSession struct {
	t      *testing.T
	k      *kernel
	c      *client.Client
	seq    int
	events *client.Subscription
}

func newDebugSession(t *testing.T, k *kernel, c *client.Client) *debugSession {
	s := &debugSession{t: t, k: k, c: c, events: c.IOPub()}
	t.Cleanup(s.events.Close)
	return s
}

// request sends a DAP request and returns its response's body, failing
// the test when the response is not a success.
func (s *debugSession) request(command string, args any) map[string]any {
	s.t.Helper()
	s.seq++
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := s.c.Request(ctx, client.Control, "debug_request", map[string]any{
		"type": "request", "seq": s.seq, "command": command, "arguments": args})
	if err != nil {
		s.t.Fatalf("debug_request %s: %v", command, err)
	}
	if m.Header.MsgType != "debug_reply" {
		s.t.Fatalf("debug_request %s answered by %s", command, m.Header.MsgType)
	}
	var resp struct {
		Success bool           `json:"success"`
		Message string         `json:"message"`
		Command string         `json:"command"`
		Body    map[string]any `json:"body"`
	}
	if err := m.Decode(&resp); err != nil {
		s.t.Fatal(err)
	}
	if !resp.Success || resp.Command != command {
		s.t.Fatalf("debug_request %s: success %v command %q message %q\nkernel log:\n%s", command, resp.Success, resp.Command, resp.Message, s.k.stderr.String())
	}
	return resp.Body
}

// event waits for the next debug_event of this kind and returns its body.
func (s *debugSession) event(kind string) map[string]any {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	for {
		m, err := s.events.Next(ctx)
		if err != nil {
			s.t.Fatalf("waiting for a %s debug_event: %v\nkernel log:\n%s", kind, err, s.k.stderr.String())
		}
		if m.Header.MsgType != "debug_event" {
			continue
		}
		var ev struct {
			Event string         `json:"event"`
			Body  map[string]any `json:"body"`
		}
		m.Decode(&ev)
		if ev.Event == kind {
			return ev.Body
		}
	}
}

// execAsync runs code in the background; the returned function waits for
// its execution.
func (k *kernel) execAsync(code string) (wait func() *client.Execution) {
	done := make(chan *client.Execution, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		e, err := k.c.Execute(ctx, code, client.NewExecuteOptions())
		if err != nil {
			k.t.Errorf("execute: %v", err)
		}
		done <- e
	}()
	return func() *client.Execution {
		k.t.Helper()
		e := <-done
		if e == nil {
			k.t.FailNow()
		}
		return e
	}
}

// proc is a process: its id and command name.
type proc struct {
	pid  int
	comm string
}

// alive reports whether p still runs: the same command under its id, not
// yet a zombie.
func (p proc) alive() bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return strings.Contains(s, "("+p.comm+")") && len(fields) > 0 && fields[0] != "Z"
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []proc {
	parents := map[int][]int{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		p, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(fields[1])
		parents[pp] = append(parents[pp], p)
	}
	var out []proc
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range parents[p] {
			comm, _ := os.ReadFile("/proc/" + strconv.Itoa(c) + "/comm")
			out = append(out, proc{c, strings.TrimSpace(string(comm))})
			queue = append(queue, c)
		}
	}
	return out
}

// debugged returns the dlv processes below the kernel and the processes
// below them (the debugged program).
func debugged(kernel int) []proc {
	var out []proc
	seen := map[int]bool{}
	for _, p := range descendants(kernel) {
		if p.comm != "dlv" || seen[p.pid] {
			continue
		}
		for _, q := range append([]proc{p}, descendants(p.pid)...) {
			if !seen[q.pid] {
				seen[q.pid] = true
				out = append(out, q)
			}
		}
	}
	return out
}

// debugCell has two goroutines besides main, named with the course's
// helper and waiting to send, and a function to step into.
const debugCell = `func add(a, b int) int {
	return a + b
}
ch := make(chan int)
var ready sync.WaitGroup
ready.Add(2)
go timeline.Named("sender 1", func() { ready.Done(); ch <- 1 })()
go timeline.Named("sender 2", func() { ready.Done(); ch <- 2 })()
ready.Wait()
total := 40
sum := <-ch + <-ch
total = add(total, sum)
fmt.Println("total", total)`

// debugLine is the line of debugCell the test stops at: both goroutines
// are named, waiting to send.
const debugLine = 11

// TestDebugger drives Jupyter's debug protocol as JupyterLab does: a
// breakpoint in a cell, a run that stops there, goroutines, a stack named
// by the cell, locals' values, stepping in, out and over, and the run's
// end; then an interrupt while stopped, a frontend that reconnects, and
// cells that run as usual once no breakpoint is left.
func TestDebugger(t *testing.T) {
	t.Parallel()
	requireDlv(t)
	k := startKernel(t, "tcp")
	info := k.request(client.Shell, "kernel_info_request", nil)
	if info["debugger"] != true {
		t.Fatalf("kernel_info says debugger %v with dlv installed", info["debugger"])
	}
	s := newDebugSession(t, k, k.c)
	path := s.start(debugCell, debugLine)

	start := time.Now()
	wait := k.execAsync(debugCell)
	stopped := s.event("stopped")
	t.Logf("debug run start to stopped event: %v", time.Since(start))
	thread := int(stopped["threadId"].(float64))

	threads := s.request("threads", nil)["threads"].([]any)
	names, _ := json.Marshal(threads)
	if len(threads) < 3 || !strings.Contains(string(names), "sender 1") || !strings.Contains(string(names), "sender 2") {
		t.Errorf("threads lists %d goroutines: %s; want main and the cell's two, named sender 1 and 2", len(threads), names)
	}
	top := s.top(thread)
	if src, _ := top["source"].(map[string]any); src["path"] != path || src["name"] != "In[1]" || top["line"] != float64(debugLine) {
		t.Fatalf("top frame %v, want In[1] (%s) line %d", top, path, debugLine)
	}
	if got := s.locals(top); got["total"] != "40" {
		t.Errorf("locals %v, want total 40", got)
	}

	steps := []struct {
		command  string
		line     int
		function string
	}{
		{"next", 12, "main.main"},
		{"stepIn", 1, "main.add"},
		{"next", 2, "main.add"},
		{"stepOut", 12, "main.main"},
		{"next", 13, "main.main"},
	}
	for _, st := range steps {
		s.request(st.command, map[string]any{"threadId": thread})
		if ev := s.event("stopped"); ev["reason"] != "step" {
			t.Errorf("after %s, stopped for %v, want step", st.command, ev["reason"])
		}
		top := s.top(thread)
		if top["line"] != float64(st.line) || top["name"] != st.function {
			t.Errorf("after %s, at %v line %v; want %s line %d", st.command, top["name"], top["line"], st.function, st.line)
		}
		if st.line == 12 && st.function == "main.main" {
			if got := s.locals(top); got["sum"] != "3" {
				t.Errorf("at line 12, locals %v, want sum 3", got)
			}
		}
	}
	s.request("continue", map[string]any{"threadId": thread})
	e := wait()
	if e.Status != "ok" || stdout(e) != "total 43\n" {
		t.Fatalf("status %s (%s: %s), stdout %q; want ok and total 43", e.Status, e.EName, e.EValue, stdout(e))
	}
	if out := stdout(k.exec("%engine")); !strings.Contains(out, "the debugger runs it") {
		t.Errorf("%%engine after a debugged cell says %q", out)
	}

	// Interrupted while stopped: nothing is left of dlv or the program.
	wait = k.execAsync(debugCell)
	s.event("stopped")
	running := debugged(k.cmd.Process.Pid)
	if len(running) < 2 {
		t.Fatalf("stopped at a breakpoint, the kernel runs %v; want dlv and the cell's program", running)
	}
	if err := k.c.Interrupt(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := wait(); e.EName != "Interrupted" {
		t.Errorf("interrupted run: status %s ename %q", e.Status, e.EName)
	}
	for _, p := range running {
		if p.alive() {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
			t.Errorf("process %d (%s) runs on after the interrupt: %s", p.pid, p.comm, stat)
		}
	}

	// A frontend that connects again restores the breakpoints.
	c2, err := client.Dial(context.Background(), k.info, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	s2 := newDebugSession(t, k, c2)
	di := s2.request("debugInfo", nil)
	if di["isStarted"] != true {
		t.Errorf("debugInfo isStarted %v", di["isStarted"])
	}
	b, _ := json.Marshal(di["breakpoints"])
	if !strings.Contains(string(b), path) || !strings.Contains(string(b), fmt.Sprintf(`"line":%d`, debugLine)) {
		t.Errorf("debugInfo breakpoints %s, want line %d of %s", b, debugLine, path)
	}

	// Without breakpoints, cells run as usual.
	s.request("setBreakpoints", map[string]any{"source": map[string]any{"path": path}, "breakpoints": []any{}})
	if e := k.exec(debugCell); stdout(e) != "total 43\n" {
		t.Errorf("without breakpoints: stdout %q", stdout(e))
	}
	if out := stdout(k.exec("%engine")); strings.Contains(out, "debugger") {
		t.Errorf("%%engine without breakpoints says %q", out)
	}
}

// TestDebuggerShutdownWhileStopped checks that a kernel shut down while a
// cell is stopped at a breakpoint leaves no dlv or program behind.
func TestDebuggerShutdownWhileStopped(t *testing.T) {
	t.Parallel()
	requireDlv(t)
	k := startKernel(t, "tcp")
	s := newDebugSession(t, k, k.c)
	s.start(debugCell, debugLine)
	go k.c.Execute(context.Background(), debugCell, client.NewExecuteOptions())
	s.event("stopped")
	running := debugged(k.cmd.Process.Pid)
	if len(running) < 2 {
		t.Fatalf("stopped at a breakpoint, the kernel runs %v; want dlv and the cell's program", running)
	}
	k.stop()
	for _, p := range running {
		if p.alive() {
			t.Errorf("process %d (%s) runs on after the shutdown", p.pid, p.comm)
		}
	}
}

// start starts a debug session as JupyterLab does and sets a breakpoint
// at line of the cell with this code; it returns the cell's file.
func (s *debugSession) start(code string, line int) (path string) {
	s.t.Helper()
	s.request("initialize", map[string]any{"clientID": "test", "adapterID": "go", "linesStartAt1": true, "pathFormat": "path"})
	s.request("attach", map[string]any{})
	path = s.request("dumpCell", map[string]any{"code": code})["sourcePath"].(string)
	s.request("setBreakpoints", map[string]any{"source": map[string]any{"path": path},
		"breakpoints": []any{map[string]any{"line": line}}})
	s.request("configurationDone", nil)
	return path
}

// top returns the innermost stack frame of a stopped goroutine.
func (s *debugSession) top(thread int) map[string]any {
	s.t.Helper()
	frames := s.request("stackTrace", map[string]any{"threadId": thread, "levels": 1})["stackFrames"].([]any)
	if len(frames) == 0 {
		s.t.Fatalf("goroutine %d has no stack frames", thread)
	}
	return frames[0].(map[string]any)
}

// locals returns the values of a frame's local variables, by name.
func (s *debugSession) locals(frame map[string]any) map[string]any {
	s.t.Helper()
	scopes := s.request("scopes", map[string]any{"frameId": frame["id"]})["scopes"].([]any)
	ref := scopes[0].(map[string]any)["variablesReference"]
	vars := s.request("variables", map[string]any{"variablesReference": ref})["variables"].([]any)
	out := map[string]any{}
	for _, v := range vars {
		v := v.(map[string]any)
		out[v["name"].(string)] = v["value"]
	}
	return out
}
