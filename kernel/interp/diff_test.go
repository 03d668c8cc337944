package interp_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/cell"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

var only = flag.String("cells", "", "run only the differential cells whose name matches this regular expression")

// A testCell is one cell of testdata/cells.txt: a section starting with a
// line "-- name --" or "-- name: class --" (or "-- name: class go1.27 --"
// for a cell that needs that Go release). With a class, the router must
// find that class in the cell (and yaegi must get it wrong when the class
// is followed by "!"); without one, the router must send it to yaegi.
type testCell struct {
	name, class string
	wrong       bool   // yaegi gets the cell wrong (checked by forcing it)
	minGo       string // the Go release the cell needs, such as go1.27; "" for any
	code        string
}

func readCells(t *testing.T) []testCell {
	data, err := os.ReadFile(filepath.Join("testdata", "cells.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var cells []testCell
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimSpace(line), "-- "); ok && strings.HasSuffix(h, " --") {
			h = strings.TrimSuffix(h, " --")
			name, class, _ := strings.Cut(h, ": ")
			class, minGo, _ := strings.Cut(class, " ")
			c := testCell{name: name, class: strings.TrimSuffix(class, "!"), wrong: strings.HasSuffix(class, "!"), minGo: minGo}
			cells = append(cells, c)
			continue
		}
		if len(cells) > 0 {
			cells[len(cells)-1].code += line
		}
	}
	return cells
}

// outcome is what a run shows, normalised.
type outcome struct {
	Out  string // stdout text and display frames, in order
	Err  string // stderr text
	End  string // how the program ended: exit status, or the crash's kind and message (ename and evalue)
	Line string // the first line of a crash report, as the learner reads it
	At   string // the cell line the crash report names first ("In[1]:4"), if any
	// Main is main.main's frame as a crash report shows it, such as
	// "main.main()", if the report has one (a deadlock's, say).
	Main string
	Took time.Duration
}

// durations and addresses vary from run to run; the normalisation replaces
// them, as the course's notebook check does.
var (
	durationRE = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m|h)\b`)
	addressRE  = regexp.MustCompile(`0x[0-9a-f]+`)
	// cellLine is a frame's line in a cell (Go 1.27 prints //line file
	// names with the package directory, which the kernel trims).
	cellLine = regexp.MustCompile(`(?m)^\t(?:\S*/)?(In\[1\]:\d+)\b`)
	// mainFrame is main.main's frame header in a trace.
	mainFrame = regexp.MustCompile(`(?m)^main\.main\(.*\)$`)
)

// normalise replaces durations and addresses in s.
func normalise(s string) string {
	return addressRE.ReplaceAllString(durationRE.ReplaceAllString(s, "<dur>"), "<addr>")
}

// process is a running program of either engine.
type process interface {
	Interrupt()
	Wait() runner.Result
}

func run(ctx context.Context, start func(runner.RunOptions) (process, error)) (outcome, error) {
	var mu sync.Mutex
	var out, errb bytes.Buffer
	opts := runner.RunOptions{
		Stdout:   func(b []byte) { mu.Lock(); out.Write(b); mu.Unlock() },
		Stderr:   func(b []byte) { mu.Lock(); errb.Write(b); mu.Unlock() },
		Display:  func(m *frame.Message) { mu.Lock(); fmt.Fprintf(&out, "[display %s %v]\n", m.Type, m.Data); mu.Unlock() },
		BadFrame: func(err error) { mu.Lock(); fmt.Fprintf(&out, "[bad frame %v]\n", err); mu.Unlock() },
	}
	began := time.Now()
	p, err := start(opts)
	if err != nil {
		return outcome{}, err
	}
	stop := context.AfterFunc(ctx, p.Interrupt)
	defer stop()
	r := p.Wait()
	o := outcome{Out: normalise(out.String()), Err: normalise(errb.String()), Took: time.Since(began)}
	switch {
	case r.Interrupted:
		o.End = "timed out"
	case r.Crash != nil:
		o.End = fmt.Sprintf("exit %d, %s: %s", r.ExitCode, r.Crash.Kind, normalise(r.Crash.Message))
		first, _, _ := strings.Cut(r.Crash.Report, "\n")
		o.Line = normalise(first)
		if m := cellLine.FindStringSubmatch(r.Crash.Report); m != nil {
			o.At = m[1]
		}
		o.Main = mainFrame.FindString(r.Crash.Report)
	default:
		o.End = fmt.Sprintf("exit %d", r.ExitCode)
	}
	return o, nil
}

// harness holds what both engines need.
type harness struct {
	ws      *runner.Workspace
	engine  *interp.Engine
	checker *typecheck.Checker
	session *cell.Session
}

func newHarness(t testing.TB) *harness {
	ws, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.Prepare(); err != nil {
		t.Fatal(err)
	}
	return &harness{
		ws:      ws,
		engine:  interp.NewEngine(ws, ""),
		checker: typecheck.New(ws.Go(), ws.Dir(), runner.BuildEnv(nil, nil), runner.BuildFlags(nil)),
		session: cell.NewSession(),
	}
}

// program generates and type-checks the program of one cell, alone.
func (h *harness) program(ctx context.Context, t testing.TB, code string) (*cell.Program, *typecheck.Result) {
	prog, res, err := h.tryProgram(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	return prog, res
}

// tryProgram is program, returning what failed.
func (h *harness) tryProgram(ctx context.Context, code string) (*cell.Program, *typecheck.Result, error) {
	c, err := cell.Parse(code)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %v", err)
	}
	h.session.Reset()
	prog, err := h.session.Generate(c, "In[1]", cell.GenerateOptions{DisplayValue: true})
	if err != nil {
		return nil, nil, fmt.Errorf("generate: %v", err)
	}
	res, err := h.checker.Check(ctx, prog.Source, prog.Imports)
	if err != nil {
		return nil, nil, fmt.Errorf("type check: %v", err)
	}
	return prog, res, nil
}

// compiled builds the program with the toolchain, unless bin is its
// binary built before, and runs it.
func (h *harness) compiled(ctx context.Context, prog *cell.Program, bin string) (outcome, error) {
	if bin == "" {
		var err error
		if bin, err = h.ws.Build(ctx, runner.Build{Source: prog.Source}); err != nil {
			return outcome{}, err
		}
	}
	return run(ctx, func(o runner.RunOptions) (process, error) { return runner.Start(ctx, bin, o) })
}

// buildAll builds programs (main.go sources) with one go command, as
// Workspace.Build builds one program (its flags and environment), and
// returns the binaries by index. One go command for all shares its
// start-up and the loading of packages, and links in parallel: a third of
// the time of a build each. A program that did not build has no binary;
// compiled then builds it alone, which says why.
func (h *harness) buildAll(ctx context.Context, t *testing.T, programs map[int][]byte) map[int]string {
	if len(programs) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp(h.ws.Dir(), "differential-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bins := t.TempDir()
	// -ldflags=-s -w as Workspace.Build: a crash report still names files
	// and lines.
	args := append([]string{"build", "-ldflags=-s -w", "-o", bins + string(filepath.Separator)}, runner.BuildFlags(nil)...)
	for i, src := range programs {
		pkg := filepath.Join(dir, fmt.Sprintf("p%d", i))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+filepath.Base(dir)+"/"+filepath.Base(pkg))
	}
	cmd := exec.CommandContext(ctx, h.ws.Go(), args...)
	cmd.Dir = h.ws.Dir()
	cmd.Env = runner.BuildEnv(nil, nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("building the programs together: %v\n%s", err, out)
	}
	built := map[int]string{}
	for i := range programs {
		bin := filepath.Join(bins, fmt.Sprintf("p%d", i))
		if _, err := os.Stat(bin); err == nil {
			built[i] = bin
		}
	}
	return built
}

func (h *harness) interpreted(ctx context.Context, prog *cell.Program, res *typecheck.Result) (outcome, error) {
	return run(ctx, func(o runner.RunOptions) (process, error) { return h.engine.Start(ctx, res, prog.Source, o) })
}

// TestDifferential runs every cell of testdata/cells.txt with both engines:
// the router must decide as the cell says, and when it picks yaegi the two
// outcomes must be equal after normalisation.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every cell with the toolchain")
	}
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.engine.Worker(ctx); err != nil {
		t.Fatal(err)
	}
	cells := readCells(t)
	if len(cells) < 100 {
		t.Errorf("testdata/cells.txt has %d cells; the suite wants at least 100", len(cells))
	}
	match, err := regexp.Compile(*only)
	if err != nil {
		t.Fatalf("-cells: %v", err)
	}
	// needs returns the Go release the cell needs that gokernel's parser
	// or the toolchain is older than, or "".
	needs := func(c testCell) string {
		if c.minGo != "" {
			for _, v := range []string{runtime.Version(), h.ws.Toolchain().Version} {
				if version.Compare(version.Lang(v), c.minGo) < 0 {
					return v
				}
			}
		}
		return ""
	}
	// The programs of the cells are built first, all together.
	programs := map[int][]byte{}
	for i, c := range cells {
		if !match.MatchString(c.name) || needs(c) != "" {
			continue
		}
		if prog, res, err := h.tryProgram(ctx, c.code); err == nil && len(res.Errors) == 0 {
			programs[i] = prog.Source
		}
	}
	bins := h.buildAll(ctx, t, programs)
	for i, c := range cells {
		if !match.MatchString(c.name) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			// Both gokernel's parser and the toolchain must know it.
			if v := needs(c); v != "" {
				t.Skipf("the cell needs %s; this is %s", c.minGo, v)
			}
			runCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			prog, res := h.program(runCtx, t, c.code)
			d := interp.Route(res)
			got := "yaegi"
			if !d.Yaegi {
				got = d.Class.Name
			}
			want := c.class
			if want == "" {
				want = "yaegi"
			}
			if got != want {
				t.Errorf("router chose %s (%s), want %s", got, d.Reason(), want)
			}
			if len(res.Errors) > 0 {
				return
			}
			goOut, err := h.compiled(runCtx, prog, bins[i])
			if err != nil {
				t.Fatalf("compiled engine: %v", err)
			}
			if !d.Yaegi && !c.wrong {
				return
			}
			forceCtx, cancelForce := context.WithTimeout(ctx, 5*time.Second)
			defer cancelForce()
			yOut, err := h.interpreted(forceCtx, prog, res)
			if err != nil {
				t.Fatalf("yaegi engine: %v", err)
			}
			same := goOut.Out == yOut.Out && goOut.End == yOut.End && goOut.Err == yOut.Err && goOut.Line == yOut.Line && goOut.At == yOut.At && (goOut.Main == "" || goOut.Main == yOut.Main)
			if d.Yaegi && !same {
				t.Errorf("engines differ\ncompiled: %q %q %s %q %s %q\nyaegi:    %q %q %s %q %s %q\nprogram:\n%s", goOut.Out, goOut.Err, goOut.End, goOut.Line, goOut.At, goOut.Main, yOut.Out, yOut.Err, yOut.End, yOut.Line, yOut.At, yOut.Main, interp.Rewrite(res, prog.Source))
			}
			if c.wrong && same {
				t.Errorf("the cell is marked as one yaegi gets wrong, but both engines gave %q %q %s", goOut.Out, goOut.Err, goOut.End)
			}
		})
	}
}

// TestClassesHaveCells checks that every class of the router's table has a
// cell in testdata/cells.txt that the router finds it in.
func TestClassesHaveCells(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range readCells(t) {
		seen[c.class] = true
	}
	for _, c := range interp.Classes() {
		if !seen[c.Name] {
			t.Errorf("class %s has no cell in testdata/cells.txt", c.Name)
		}
		if c.Why == "" {
			t.Errorf("class %s does not say why", c.Name)
		}
	}
}

// BenchmarkLoop runs, with yaegi, a cell that spends its time in a loop of
// arithmetic, as rewritten for the worker: the line notes Rewrite adds are
// what makes it slower than yaegi alone.
func BenchmarkLoop(b *testing.B) {
	h := newHarness(b)
	ctx := context.Background()
	if _, err := h.engine.Worker(ctx); err != nil {
		b.Fatal(err)
	}
	prog, res := h.program(ctx, b, "sum := 0\nfor i := 0; i < 2_000_000; i++ {\n\tsum += i & 7\n\tsum -= 1\n}\nfmt.Println(sum)")
	for b.Loop() {
		o, err := h.interpreted(ctx, prog, res)
		if err != nil || o.End != "exit 0" {
			b.Fatalf("%v %s %s", err, o.End, o.Err)
		}
	}
}
