package execution_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/execution"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/runner"
)

// sink records a cell's outputs in order: consecutive text of one stream
// is joined, as the server's coalescing output does.
type sink struct {
	mu     sync.Mutex
	events []string
}

func (s *sink) Stream(name string, text []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := name + ": "
	if n := len(s.events); n > 0 && strings.HasPrefix(s.events[n-1], prefix) {
		s.events[n-1] += string(text)
		return
	}
	s.events = append(s.events, prefix+string(text))
}

func (s *sink) Display(f *frame.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, fmt.Sprintf("%s: %v", f.Type, f.Data["text/plain"]))
}

func (s *sink) BadFrame(err error) { s.Stream("stderr", []byte("bad frame: "+err.Error()+"\n")) }
func (s *sink) Flush()             {}
func (s *sink) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "typed", nil
}

func (s *sink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...)
}

// newExecutor returns an Executor in a workspace of its own, with the
// yaegi worker built, so that cells the router allows run on the fast
// path.
func newExecutor(t *testing.T, cfg execution.Config) *execution.Executor {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	x, err := execution.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Error(err)
		}
	})
	warm := interp.NewEngine(x.Workspace(), "")
	if _, err := warm.Worker(context.Background()); err != nil {
		t.Fatalf("build the yaegi worker: %v", err)
	}
	warm.Close()
	return x
}

// run runs code as cell In[n] and returns its outcome and outputs.
func run(t *testing.T, x *execution.Executor, n int, code string) (execution.Outcome, []string) {
	t.Helper()
	s := &sink{}
	out := x.Run(context.Background(), execution.Cell{Code: code, Name: fmt.Sprintf("In[%d]", n)}, s)
	return out, s.all()
}

func TestRunOutcomes(t *testing.T) {
	x := newExecutor(t, execution.Config{})
	tests := []struct {
		name       string
		code       string
		engine     string // "" for none; "any" when either engine may run it
		ename      string // "" for success
		evalue     string // a part of the error value
		traceback  string // a part of the traceback
		events     []string
		cancelLate time.Duration // interrupt after this long
	}{
		{name: "ok", code: `fmt.Println("hi")`, engine: "yaegi", events: []string{"stdout: hi\n"}},
		{
			name: "order", code: "%engine\n!echo shell\nfmt.Println(\"go\")\n1 + 2", engine: "yaegi",
			events: []string{"stdout: Engine: auto\nThe last cell ran with yaegi.\nshell\ngo\n", "execute_result: 3"},
		},
		{name: "syntax", code: "x :=", ename: "SyntaxError", traceback: "In[3]:1"},
		{name: "compile", code: `var x int = "s"` + "\n_ = x", engine: "go", ename: "CompileError", evalue: "cannot use", traceback: "In[4]:1"},
		{name: "panic", code: `panic("boom")`, engine: "any", ename: "panic", evalue: "boom", traceback: "In[5]:1"},
		{name: "exit status", code: "os.Exit(3)", engine: "any", ename: "ExitError", evalue: "status 3"},
		{name: "interrupt", code: "time.Sleep(time.Minute)", engine: "any", ename: "Interrupted", cancelLate: 500 * time.Millisecond},
		{name: "magic", code: "%engine bogus", ename: "MagicError", evalue: "want auto, go or yaegi"},
		{name: "shell", code: "!exit 4", ename: "ShellError", evalue: "exit status 4"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelLate > 0 {
				time.AfterFunc(tt.cancelLate, cancel)
			}
			s := &sink{}
			got := x.Run(ctx, execution.Cell{Code: tt.code, Name: fmt.Sprintf("In[%d]", i+1)}, s)
			if tt.engine != "any" && got.Engine != tt.engine || tt.engine == "any" && got.Engine == "" {
				t.Errorf("engine %q, want %q", got.Engine, tt.engine)
			}
			f := got.Failure
			switch {
			case tt.ename == "" && f != nil:
				t.Fatalf("failure %+v, want none", f)
			case tt.ename != "" && f == nil:
				t.Fatalf("no failure, want %s", tt.ename)
			case f != nil:
				if f.Name != tt.ename || !strings.Contains(f.Value, tt.evalue) || !strings.Contains(strings.Join(f.Traceback, "\n"), tt.traceback) {
					t.Errorf("failure %q %q\n%s\nwant %q with %q, traceback with %q", f.Name, f.Value, strings.Join(f.Traceback, "\n"), tt.ename, tt.evalue, tt.traceback)
				}
			}
			if tt.events != nil && strings.Join(s.all(), "|") != strings.Join(tt.events, "|") {
				t.Errorf("outputs %q, want %q", s.all(), tt.events)
			}
		})
	}
}

// TestCommitOnlyValid checks that a cell's declarations are kept when its
// program built (whether or not it then failed) and only then.
func TestCommitOnlyValid(t *testing.T) {
	x := newExecutor(t, execution.Config{})
	steps := []struct {
		code  string
		ename string
	}{
		{"func f() int { return 1 }\nvar bad int = \"s\"\n_ = bad", "CompileError"},
		{"fmt.Println(f())", "CompileError"}, // f was not committed
		{"func g() int { return 2 }\npanic(\"after g\")", "panic"},
		{"fmt.Println(g())", ""}, // g was: its program was valid
		{"func g() int { return 3 }\nx :=", "SyntaxError"},
		{"fmt.Println(g())", ""},
	}
	for i, st := range steps {
		out, events := run(t, x, i+1, st.code)
		name := ""
		if out.Failure != nil {
			name = out.Failure.Name
		}
		if name != st.ename {
			t.Fatalf("cell %d %q: failure %q (%+v), want %q", i+1, st.code, name, out.Failure, st.ename)
		}
		if i == 5 && strings.Join(events, "") != "stdout: 2\n" {
			t.Errorf("g() after a cell that did not parse printed %q, want 2", events)
		}
	}
}

// TestRunsOnce checks that a cell that has a side effect and then fails
// runs once, on either engine.
func TestRunsOnce(t *testing.T) {
	x := newExecutor(t, execution.Config{})
	for i, engine := range []string{"yaegi", "go"} {
		file := filepath.Join(t.TempDir(), "log")
		if out, _ := run(t, x, 10*i+1, "%engine "+engine); out.Failure != nil {
			t.Fatal(out.Failure)
		}
		code := fmt.Sprintf("f, _ := os.OpenFile(%q, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)\nfmt.Fprintln(f, \"ran\")\nf.Close()\nvar m map[string]int\nm[%q] = 1", file, engine)
		out, _ := run(t, x, 10*i+2, code)
		if out.Engine != engine || out.Failure == nil || out.Failure.Value != "assignment to entry in nil map" {
			t.Errorf("%s: outcome %q %+v, want a nil map panic on %s", engine, out.Engine, out.Failure, engine)
		}
		b, err := os.ReadFile(file)
		if err != nil || string(b) != "ran\n" {
			t.Errorf("%s: the cell's file holds %q (%v), want one line", engine, b, err)
		}
	}
}

// TestOneTypeCheck checks that each cell with Go code is type-checked
// once, also when its last expression is a call whose one result is
// shown, and that the engine choice for such a cell sees the display.
func TestOneTypeCheck(t *testing.T) {
	x := newExecutor(t, execution.Config{})
	tests := []struct {
		code   string
		engine string
		events []string
	}{
		{"type T struct{ N int }\nfunc mk() T { return T{7} }\nfunc n() int { return 5 }", "yaegi", nil},
		{"n()", "yaegi", []string{"execute_result: 5"}},
		{`strings.Repeat("ab", 2)`, "yaegi", []string{"execute_result: abab"}},
		{`fmt.Println("x")`, "yaegi", []string{"stdout: x\n"}},
		{"v := n() + 1\nv", "yaegi", []string{"execute_result: 6"}},
		// Displaying a T passes a program type to library code: the
		// router keeps that from yaegi.
		{"mk()", "go", []string{"execute_result: T{N: 7}"}},
		{"mk().N", "yaegi", []string{"execute_result: 7"}},
	}
	for i, tt := range tests {
		before := x.TypeChecks()
		out, events := run(t, x, i+1, tt.code)
		if out.Failure != nil {
			t.Fatalf("%q: %+v", tt.code, out.Failure)
		}
		checks := x.TypeChecks() - before
		if checks != 1 {
			t.Errorf("%q: %d type checks, want 1", tt.code, checks)
		}
		if out.Engine != tt.engine || strings.Join(events, "|") != strings.Join(tt.events, "|") {
			t.Errorf("%q: ran with %q showing %q, want %q showing %q", tt.code, out.Engine, events, tt.engine, tt.events)
		}
	}
}

// debugger is a Debugger that runs the program itself, counts its runs
// and names each cell by a file in dir.
type debugger struct {
	dir  string
	runs int
}

func (d *debugger) Active() bool    { return true }
func (d *debugger) Flags() []string { return []string{"-gcflags=all=-N -l"} }
func (d *debugger) CellPath(code string) (string, error) {
	sum := sha256.Sum256([]byte(code))
	p := filepath.Join(d.dir, hex.EncodeToString(sum[:4])+".go")
	return p, os.WriteFile(p, []byte(code), 0o644)
}
func (d *debugger) Run(ctx context.Context, bin string, opts runner.RunOptions) (runner.Result, error) {
	d.runs++
	p, err := runner.Start(ctx, bin, opts)
	if err != nil {
		return runner.Result{}, err
	}
	return p.Wait(), nil
}

// TestDebuggerRunsProgram checks that the debugger runs a cell's
// program once, and that the program's lines are the debugger's cell files,
// earlier cells' too, while failures still name cells In[N].
func TestDebuggerRunsProgram(t *testing.T) {
	d := &debugger{dir: t.TempDir()}
	x := newExecutor(t, execution.Config{Debugger: d})
	first := "func where() string {\n\t_, file, line, _ := runtime.Caller(0)\n\treturn fmt.Sprint(file, \":\", line)\n}"
	if out, _ := run(t, x, 1, first); out.Failure != nil {
		t.Fatal(out.Failure)
	}
	second := "fmt.Println(where())\n_, file, line, _ := runtime.Caller(0)\nfmt.Println(file, line)\npanic(\"stop\")"
	out, events := run(t, x, 2, second)
	firstPath, _ := d.CellPath(first)
	secondPath, _ := d.CellPath(second)
	want := fmt.Sprintf("stdout: %s:2\n%s 2\n", firstPath, secondPath)
	if out.Engine != "go" || d.runs != 2 || strings.Join(events, "") != want {
		t.Errorf("outcome %q, %d debugger runs, outputs %q; want the compiled program run by the debugger, printing %q", out.Engine, d.runs, events, want)
	}
	if out.Failure == nil {
		t.Fatal("the cell's panic is no failure")
	}
	if tb := strings.Join(out.Failure.Traceback, "\n"); out.Failure.Name != "panic" || !strings.Contains(tb, "In[2]:4") || strings.Contains(tb, d.dir) {
		t.Errorf("failure %+v; want a panic at In[2]:4, not naming the debugger's files", out.Failure)
	}
}

// TestShownCallFailsAsGo checks that a last call whose value would be
// shown, and which panics, fails on yaegi as it does compiled.
func TestShownCallFailsAsGo(t *testing.T) {
	x := newExecutor(t, execution.Config{})
	if out, _ := run(t, x, 1, "func at(s []int, i int) int { return s[i] }"); out.Failure != nil {
		t.Fatal(out.Failure)
	}
	var got []*execution.Failure
	for i, engine := range []string{"yaegi", "go"} {
		run(t, x, 10*i+2, "%engine "+engine)
		// A different cell for each engine, so the compiled binary of
		// one is not at hand for the other.
		out, events := run(t, x, 10*i+3, fmt.Sprintf("n := %d\nat([]int{1, 2, 3}, n+5)", i))
		if out.Engine != engine || out.Failure == nil || len(events) != 0 {
			t.Fatalf("%s: ran with %q, failure %+v, outputs %q; want a panic on %s and no value shown", engine, out.Engine, out.Failure, events, engine)
		}
		got = append(got, out.Failure)
	}
	y, g := got[0], got[1]
	wantValue := func(i int) string { return fmt.Sprintf("runtime error: index out of range [%d] with length 3", 5+i) }
	if y.Name != g.Name || y.Value != wantValue(0) || g.Value != wantValue(1) {
		t.Errorf("yaegi failed with %q %q, the compiled program with %q %q", y.Name, y.Value, g.Name, g.Value)
	}
	for i, f := range got {
		if tb := strings.Join(f.Traceback, "\n"); !strings.Contains(tb, fmt.Sprintf("In[%d]:2", 10*i+3)) || !strings.Contains(tb, "In[1]:1") {
			t.Errorf("traceback of engine %d does not name the cell lines In[%d]:2 and In[1]:1:\n%s", i, 10*i+3, tb)
		}
	}
}
