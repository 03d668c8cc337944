package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/runner"
)

// newWorkspace returns a workspace in a fresh temporary directory.
func newWorkspace(t *testing.T) *runner.Workspace {
	t.Helper()
	w, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// output collects what a program printed, in order.
type output struct {
	mu       sync.Mutex
	stdout   strings.Builder
	stderr   strings.Builder
	displays []*frame.Message
	bad      []error
	noInput  int
}

func (o *output) options() runner.RunOptions {
	return runner.RunOptions{
		Stdout:   func(b []byte) { o.mu.Lock(); o.stdout.Write(b); o.mu.Unlock() },
		Stderr:   func(b []byte) { o.mu.Lock(); o.stderr.Write(b); o.mu.Unlock() },
		Display:  func(m *frame.Message) { o.mu.Lock(); o.displays = append(o.displays, m); o.mu.Unlock() },
		BadFrame: func(err error) { o.mu.Lock(); o.bad = append(o.bad, err); o.mu.Unlock() },
		NoInput:  func() { o.mu.Lock(); o.noInput++; o.mu.Unlock() },
	}
}

func run(t *testing.T, w *runner.Workspace, src string, opts runner.RunOptions) runner.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := w.Build(ctx, runner.Build{Source: []byte(src)})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	p, err := runner.Start(ctx, bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p.Wait()
}

func TestRunEndings(t *testing.T) {
	w := newWorkspace(t)
	tests := []struct {
		name       string
		body       string
		exit       int
		crashKind  string
		crashMsg   string
		wantStdout string
		wantStderr string
	}{
		{name: "ok", body: `fmt.Println("hello")`, wantStdout: "hello\n"},
		{name: "stderr", body: `fmt.Fprintln(os.Stderr, "warning")`, wantStderr: "warning\n"},
		{name: "exit", body: `os.Exit(3)`, exit: 3},
		{name: "panic", body: `fmt.Println("before"); panic("boom")`, exit: 2, crashKind: "panic", crashMsg: "boom", wantStdout: "before\n"},
		{name: "panic in goroutine", body: `done := make(chan bool); go func() { panic(fmt.Errorf("from goroutine")) }(); <-done`, exit: 2, crashKind: "panic", crashMsg: "from goroutine"},
		{name: "deadlock", body: `ch := make(chan int); ch <- 1`, exit: 2, crashKind: "fatal error", crashMsg: "all goroutines are asleep - deadlock!"},
		{name: "looks like a panic", body: `fmt.Fprintln(os.Stderr, "panic: not really")`, wantStderr: "panic: not really\n"},
	}
	for _, tt := range tests {
		forEachSupervisor(t, tt.name, func(t *testing.T, supervisor string) {
			var o output
			src := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar _ = os.Exit\nvar _ = fmt.Println\n\nfunc main() {\n" + tt.body + "\n}\n"
			opts := o.options()
			opts.Supervisor = supervisor
			r := run(t, w, src, opts)
			if r.ExitCode != tt.exit {
				t.Errorf("exit code %d, want %d", r.ExitCode, tt.exit)
			}
			switch {
			case tt.crashKind == "" && r.Crash != nil:
				t.Errorf("unexpected crash %+v", r.Crash)
			case tt.crashKind != "" && r.Crash == nil:
				t.Errorf("no crash reported; stderr %q", o.stderr.String())
			case tt.crashKind != "":
				if r.Crash.Kind != tt.crashKind || r.Crash.Message != tt.crashMsg {
					t.Errorf("crash %q %q, want %q %q", r.Crash.Kind, r.Crash.Message, tt.crashKind, tt.crashMsg)
				}
				if !strings.Contains(r.Crash.Report, "goroutine ") {
					t.Errorf("report has no goroutine trace: %q", r.Crash.Report)
				}
				if strings.Contains(o.stderr.String(), tt.crashMsg) {
					t.Errorf("crash report also streamed to stderr: %q", o.stderr.String())
				}
			}
			if o.stdout.String() != tt.wantStdout {
				t.Errorf("stdout %q, want %q", o.stdout.String(), tt.wantStdout)
			}
			if o.stderr.String() != tt.wantStderr {
				t.Errorf("stderr %q, want %q", o.stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestBuildErrorAndCache(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()
	_, err := w.Build(ctx, runner.Build{Source: []byte("package main\nfunc main() { undefinedThing() }\n")})
	var be *runner.BuildError
	if !errors.As(err, &be) || !strings.Contains(string(be.Output), "undefined: undefinedThing") {
		t.Fatalf("got %v, want a BuildError naming undefinedThing", err)
	}
	src := runner.Build{Source: []byte("package main\nfunc main() {}\n")}
	a, err := w.Build(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Build(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("unchanged program built twice: %s, %s", a, b)
	}
	c, err := w.Build(ctx, runner.Build{Source: src.Source, Flags: []string{"-gcflags=-N"}})
	if err != nil {
		t.Fatal(err)
	}
	if c == a {
		t.Errorf("different flags reused the same binary")
	}
}

func TestInterrupt(t *testing.T) {
	w := newWorkspace(t)
	for _, tt := range []struct{ name, body string }{
		{"sleeping", `time.Sleep(time.Hour)`},
		{"ignoring SIGINT", `signal.Ignore(os.Interrupt); for { time.Sleep(time.Millisecond) }`},
	} {
		forEachSupervisor(t, tt.name, func(t *testing.T, supervisor string) {
			src := "package main\nimport (\"os\"; \"os/signal\"; \"time\")\nvar _ = os.Exit\nvar _ = signal.Ignore\nfunc main() {\nprintln(\"started\")\n" + tt.body + "\n}\n"
			bin, err := w.Build(context.Background(), runner.Build{Source: []byte(src)})
			if err != nil {
				t.Fatal(err)
			}
			var o output
			opts := o.options()
			started := make(chan bool, 1)
			opts.Stderr = func(b []byte) {
				select {
				case started <- true:
				default:
				}
			}
			opts.Grace = 200 * time.Millisecond
			opts.Supervisor = supervisor
			p, err := runner.Start(context.Background(), bin, opts)
			if err != nil {
				t.Fatal(err)
			}
			<-started
			p.Interrupt()
			r := p.Wait()
			if !r.Interrupted || r.Signal == "" || r.Hint != "" {
				t.Errorf("result %+v, want interrupted and ended by a signal, without a hint", r)
			}
		})
	}
}

func TestDisplayFramesKeepOrder(t *testing.T) {
	w := newWorkspace(t)
	src := `package main
import (
	"fmt"
	"os"
)
func main() {
	tok := os.Getenv("` + frame.TokenEnv + `")
	for i := 0; i < 50; i++ {
		fmt.Printf("line %d\n", i)
		fmt.Printf("\x1egokernel:%s {\"type\":\"display_data\",\"data\":{\"text/plain\":\"pic %d\"}}\n", tok, i)
	}
	fmt.Printf("\x1egokernel:%s {\"type\":\"nonsense\"}\n", tok)
}
`
	var mu sync.Mutex
	var seq []string
	opts := runner.RunOptions{
		Stdout:   func(b []byte) { mu.Lock(); seq = append(seq, "T:"+string(b)); mu.Unlock() },
		Display:  func(m *frame.Message) { mu.Lock(); seq = append(seq, "D:"+m.Data["text/plain"].(string)); mu.Unlock() },
		BadFrame: func(err error) { mu.Lock(); seq = append(seq, "E"); mu.Unlock() },
	}
	if r := run(t, w, src, opts); !r.OK() {
		t.Fatalf("%+v", r)
	}
	var text strings.Builder
	var want strings.Builder
	for i := 0; i < 50; i++ {
		want.WriteString("line " + itoa(i) + "\n|pic " + itoa(i) + "|")
	}
	want.WriteString("E")
	for _, s := range seq {
		switch {
		case strings.HasPrefix(s, "T:"):
			text.WriteString(s[2:])
		case strings.HasPrefix(s, "D:"):
			text.WriteString("|" + s[2:] + "|")
		default:
			text.WriteString(s)
		}
	}
	if text.String() != want.String() {
		t.Errorf("order lost:\n got %q\nwant %q", text.String(), want.String())
	}
}

func TestStdin(t *testing.T) {
	w := newWorkspace(t)
	src := `package main
import "fmt"
func main() {
	var a, b string
	n, err := fmt.Scan(&a)
	fmt.Println(n, err, a)
	n, err = fmt.Scan(&b)
	fmt.Println(n, err, b)
}
`
	t.Run("answered", func(t *testing.T) {
		var o output
		opts := o.options()
		var asked int
		opts.Input = func(prompt string, password bool) (string, error) {
			asked++
			return fmt.Sprint("answer", asked), nil
		}
		run(t, w, src, opts)
		if got, want := o.stdout.String(), "1 <nil> answer1\n1 <nil> answer2\n"; got != want {
			t.Errorf("stdout %q, want %q", got, want)
		}
	})
	t.Run("refused", func(t *testing.T) {
		var o output
		run(t, w, src, o.options())
		if got, want := o.stdout.String(), "0 EOF \n0 EOF \n"; got != want {
			t.Errorf("stdout %q, want %q", got, want)
		}
		if o.noInput != 1 {
			t.Errorf("NoInput called %d times, want 1", o.noInput)
		}
	})
}

func itoa(i int) string { return fmt.Sprint(i) }

func TestHelpersImportable(t *testing.T) {
	w := newWorkspace(t)
	var o output
	src := "package main\n\nimport \"asyncgo/helpers/display\"\n\nfunc main() { display.Text(\"from the helpers\") }\n"
	if r := run(t, w, src, o.options()); !r.OK() {
		t.Fatalf("%+v; stderr %q", r, o.stderr.String())
	}
	if len(o.displays) != 1 || o.displays[0].Data["text/plain"] != "from the helpers" {
		t.Errorf("displays %+v, want one text/plain", o.displays)
	}
}

func TestCached(t *testing.T) {
	w := newWorkspace(t)
	b := runner.Build{Source: []byte("package main\nfunc main() {}\n")}
	if _, ok := w.Cached(b); ok {
		t.Fatal("Cached before any build")
	}
	bin, err := w.Build(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := w.Cached(b); !ok || got != bin {
		t.Errorf("Cached = %q, %v; want %q, true", got, ok, bin)
	}
}
