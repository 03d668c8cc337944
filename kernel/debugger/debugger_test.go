package debugger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/kernel/debugger"
)

// dlvPath returns delve's dlv, skipping the test when it is not installed
// unless GOKERNEL_REQUIRE_DLV=1.
func dlvPath(t *testing.T) string {
	t.Helper()
	p, err := debugger.FindDlv("")
	if err != nil {
		if os.Getenv("GOKERNEL_REQUIRE_DLV") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return p
}

// frontend plays JupyterLab: it sends debug_request contents and collects
// debug_event contents.
type frontend struct {
	t      *testing.T
	d      *debugger.Debugger
	seq    int
	mu     sync.Mutex
	events chan debugger.Message
}

func newFrontend(t *testing.T, dlv string) *frontend {
	f := &frontend{t: t, events: make(chan debugger.Message, 1000)}
	d, err := debugger.New(debugger.Config{Dlv: dlv, Dir: t.TempDir(), GoroutineLabel: "name", Events: func(b []byte) {
		var m debugger.Message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("debug_event content %s: %v", b, err)
		}
		f.events <- m
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f
}

// request sends a request and returns the decoded body of its successful
// reply.
func (f *frontend) request(command string, args any) map[string]any {
	f.t.Helper()
	m := f.try(command, args)
	if !m.Success {
		f.t.Fatalf("%s failed: %s", command, m.Message)
	}
	var body map[string]any
	if len(m.Body) > 0 {
		if err := json.Unmarshal(m.Body, &body); err != nil {
			f.t.Fatalf("%s reply body %s: %v", command, m.Body, err)
		}
	}
	return body
}

// try sends a request and returns its reply, checking the reply's framing.
func (f *frontend) try(command string, args any) debugger.Message {
	f.t.Helper()
	// Like JupyterLab, number requests from 0.
	f.mu.Lock()
	seq := f.seq
	f.seq++
	f.mu.Unlock()
	req := map[string]any{"seq": seq, "type": "request", "command": command}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reply := f.d.Handle(ctx, b)
	var m debugger.Message
	if err := json.Unmarshal(reply, &m); err != nil {
		f.t.Fatalf("%s reply: %v", command, err)
	}
	if !bytes.Contains(reply, []byte(`"request_seq":`+strconv.Itoa(seq))) {
		f.t.Fatalf("%s reply %s has no request_seq %d", command, reply, seq)
	}
	if m.Type != "response" || m.RequestSeq != seq || m.Command != command {
		f.t.Fatalf("%s reply is %+v, want a response to request_seq %d", command, m, seq)
	}
	return m
}

// waitEvent returns the next event named name, failing on a timeout.
func (f *frontend) waitEvent(name string) map[string]any {
	f.t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case m := <-f.events:
			f.t.Logf("%s event %s", time.Now().Format("15:04:05.000"), m.Body)
			if m.Event != name {
				continue
			}
			var body map[string]any
			json.Unmarshal(m.Body, &body)
			return body
		case <-timeout:
			f.t.Fatalf("no %s event", name)
		}
	}
}

// twoWaiters is a cell: two goroutines, labelled with their names, wait
// for main, which sets x.
const twoWaiters = `results := make(chan int)
release := make(chan bool)
var ready sync.WaitGroup
for w := 1; w <= 2; w++ {
	ready.Add(1)
	go func() {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("name", fmt.Sprint("waiter", w))))
		ready.Done()
		<-release
		results <- w * 10
	}()
}
ready.Wait()
x := 1
x++
close(release)
fmt.Println("total", <-results+<-results+x)
`

// build compiles code as a cell program whose //line directive names the
// file dumpCell returned, the way a debug build of gokernel does.
func build(t *testing.T, cellPath, code string) string {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"runtime/pprof\"\n\t\"sync\"\n\t\"time\"\n)\n\n" +
		"var _, _, _, _ = context.Background, fmt.Print, pprof.Do, time.Sleep\n\ntype _ sync.WaitGroup\n\n" +
		"func main() {\n//line " + cellPath + ":1:1\n" + code + "}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cell")
	cmd := exec.Command("go", "build", "-gcflags=all=-N -l", "-trimpath", "-o", bin, "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the cell program: %v\n%s", err, out)
	}
	return bin
}

// sleeper is a cell that, once past line 2, neither ends nor writes: a
// program left behind would stay.
const sleeper = `x := 1
x++
time.Sleep(time.Hour)
`

// start attaches a frontend, dumps code with a breakpoint on line (none
// when 0), and
// runs it; the result arrives on the returned channel.
func start(t *testing.T, ctx context.Context, code string, line int) (*frontend, string, *bytes.Buffer, chan error) {
	f := newFrontend(t, dlvPath(t))
	f.request("initialize", map[string]any{"clientID": "test", "adapterID": "go", "linesStartAt1": true})
	f.request("attach", map[string]any{})
	path := f.request("dumpCell", map[string]any{"code": code})["sourcePath"].(string)
	if line > 0 {
		f.request("setBreakpoints", map[string]any{"source": map[string]any{"path": path},
			"breakpoints": []any{map[string]any{"line": line}}})
	}
	f.request("configurationDone", nil)
	bin := build(t, path, code)
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		code, err := f.d.Run(ctx, debugger.Program{Path: bin, Stdout: &out, Stderr: &out})
		if err == nil && code != 0 {
			err = errorString("exit code " + strconv.Itoa(code))
		}
		done <- err
	}()
	return f, path, &out.b, done
}

type errorString string

func (e errorString) Error() string { return string(e) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// topFrame returns the innermost frame of thread.
func (f *frontend) topFrame(thread float64) map[string]any {
	f.t.Helper()
	st := f.request("stackTrace", map[string]any{"threadId": thread, "startFrame": 0, "levels": 20})
	frames := st["stackFrames"].([]any)
	if len(frames) == 0 {
		f.t.Fatalf("thread %v has no frames", thread)
	}
	return frames[0].(map[string]any)
}

// locals returns the values of frame's local variables by name.
func (f *frontend) locals(frame map[string]any) map[string]string {
	f.t.Helper()
	scopes := f.request("scopes", map[string]any{"frameId": frame["id"]})["scopes"].([]any)
	ref := scopes[0].(map[string]any)["variablesReference"]
	vars := f.request("variables", map[string]any{"variablesReference": ref})["variables"].([]any)
	out := map[string]string{}
	for _, v := range vars {
		v := v.(map[string]any)
		out[v["name"].(string)] = v["value"].(string)
	}
	return out
}

func TestStepThroughGoroutines(t *testing.T) {
	f, path, out, done := start(t, context.Background(), twoWaiters, 15)

	stop := f.waitEvent("stopped")
	if stop["reason"] != "breakpoint" {
		t.Errorf("stopped for %v, want breakpoint", stop["reason"])
	}
	thread := stop["threadId"].(float64)

	info := f.request("debugInfo", nil)
	if info["isStarted"] != true || !slices.Contains(info["stoppedThreads"].([]any), any(thread)) {
		t.Errorf("debugInfo while stopped = %v, want isStarted and stoppedThreads with %v", info, thread)
	}

	// The threads are the program's three goroutines, the waiters
	// named by their label. (A waiter's function is not checked: the
	// last one to call ready.Done may still be inside it, in package
	// sync, when main reaches the breakpoint.)
	var names []string
	for _, th := range f.request("threads", nil)["threads"].([]any) {
		names = append(names, th.(map[string]any)["name"].(string))
	}
	for _, want := range []string{"main.main (Thread", " waiter1] ", " waiter2] "} {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("threads %q: none has %q", names, want)
		}
	}
	if len(names) != 3 {
		t.Errorf("threads %q, want the program's 3 goroutines only", names)
	}

	frame := f.topFrame(thread)
	src := frame["source"].(map[string]any)["path"]
	if src != path || frame["line"] != 15.0 {
		t.Errorf("stopped at %v:%v, want %s:15 (the dumped cell's line)", src, frame["line"], path)
	}
	if got := f.locals(frame)["x"]; got != "1" {
		t.Errorf("x = %q at the breakpoint, want 1", got)
	}
	iv := f.request("inspectVariables", nil)["variables"].([]any)
	if !slices.ContainsFunc(iv, func(v any) bool { return v.(map[string]any)["name"] == "x" }) {
		t.Errorf("inspectVariables = %v, want x among them", iv)
	}

	f.request("next", map[string]any{"threadId": thread})
	stop = f.waitEvent("stopped")
	if stop["reason"] != "step" {
		t.Errorf("stopped for %v after next, want step", stop["reason"])
	}
	frame = f.topFrame(stop["threadId"].(float64))
	if frame["line"] != 16.0 {
		t.Errorf("next went to line %v, want 16", frame["line"])
	}
	if got := f.locals(frame)["x"]; got != "2" {
		t.Errorf("x = %q after next, want 2", got)
	}

	f.request("continue", map[string]any{"threadId": thread})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the program did not end after continue")
	}
	if got := out.String(); got != "total 32\n" {
		t.Errorf("program output %q, want %q", got, "total 32\n")
	}
	if info := f.request("debugInfo", nil); len(info["stoppedThreads"].([]any)) != 0 {
		t.Errorf("stoppedThreads after the run = %v, want none", info["stoppedThreads"])
	}
	if m := f.try("threads", nil); !m.Success {
		t.Errorf("threads with no program running failed: %s", m.Message)
	}
	if left := children(); len(left) > 0 {
		t.Errorf("processes left after the run: %v", left)
	}
}

func TestCancelWhileStoppedLeavesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		line int // breakpoint line; 0 to pause the running program instead
	}{
		{"at a breakpoint", 2},
		{"paused while sleeping", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f, _, _, done := start(t, ctx, sleeper, tc.line)
			if tc.line == 0 {
				// pause fails until the program runs under delve.
				for deadline := time.Now().Add(time.Minute); !f.try("pause", map[string]any{"threadId": 1}).Success; {
					if time.Now().After(deadline) {
						t.Fatal("pause never succeeded")
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			stop := f.waitEvent("stopped")
			if want := map[bool]string{true: "pause", false: "breakpoint"}[tc.line == 0]; stop["reason"] != want {
				t.Errorf("stopped for %v, want %s", stop["reason"], want)
			}
			running := children()
			if len(running) < 2 {
				t.Fatalf("while stopped, processes below the test = %v, want dlv and the program", running)
			}
			cancel()
			select {
			case err := <-done:
				if err == nil {
					t.Error("Run returned no error after its context was cancelled")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return after its context was cancelled")
			}
			for _, pid := range running {
				if alive(pid) {
					t.Errorf("process %d (%s) outlived the cancelled run", pid, comm(pid))
				}
			}
			// The frontend learns that nothing is stopped any more.
			if ev := f.waitEvent("continued"); ev["allThreadsContinued"] != true {
				t.Errorf("continued event after the run = %v, want allThreadsContinued", ev)
			}
			if info := f.request("debugInfo", nil); len(info["stoppedThreads"].([]any)) != 0 {
				t.Errorf("stoppedThreads after the run = %v, want none", info["stoppedThreads"])
			}
		})
	}
}

// children lists the live processes below the test process.
func children() []int {
	var out []int
	queue := []int{os.Getpid()}
	for len(queue) > 0 {
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(queue[0]) + "/task/*/children")
		queue = queue[1:]
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, s := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(s); err == nil && live(pid) {
					out = append(out, pid)
					queue = append(queue, pid)
				}
			}
		}
	}
	return out
}

// live reports whether pid is a process that is not a zombie.
func live(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}

// alive reports whether pid is still live after a moment: a killed process
// reparented to init may take a moment to be reaped.
func alive(pid int) bool {
	for range 50 {
		if !live(pid) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}
