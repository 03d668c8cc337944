package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/client"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/notebook"
)

// engineOf returns the engine the execute_reply metadata names.
func engineOf(e *client.Execution) string {
	s, _ := e.Reply.Metadata["engine"].(string)
	return s
}

// quiet returns execute options that neither count nor store the cell,
// so that waiting for the worker leaves no trace in execution counts.
func quiet() client.ExecuteOptions {
	o := client.NewExecuteOptions()
	o.StoreHistory = false
	return o
}

// waitForYaegi runs a trivial cell with exec until the kernel runs it with
// yaegi: on a machine where the worker was never built, the kernel builds
// it in the background and compiles cells meanwhile.
func waitForYaegi(tb testing.TB, exec func(code string) *client.Execution) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	// A new source each time: a program compiled before runs from its
	// binary, on any engine, so asking again with the same cell would
	// never see yaegi once the first try was compiled.
	for try := 0; engineOf(exec(fmt.Sprintf("fmt.Print(\"\")\n_ = %d", try))) != "yaegi"; try++ {
		if time.Now().After(deadline) {
			tb.Fatal("the yaegi worker was not ready after 5 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestEngineChoice checks that the router's choice, and %engine's, show
// in the execute_reply metadata and in %engine.
func TestEngineChoice(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	waitForYaegi(t, func(code string) *client.Execution { return k.execWith(code, quiet()) })
	tests := []struct {
		name, code, engine string
	}{
		{"trivial cell", `fmt.Println("fast")`, "yaegi"},
		{"goroutines", "ch := make(chan int)\ngo func() { ch <- 1 }()\nfmt.Println(<-ch)", "yaegi"},
		{"loop variable captured by a goroutine, copied per iteration", "var wg sync.WaitGroup\nfor i := 0; i < 2; i++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); fmt.Println(i) }()\n}\nwg.Wait()", "yaegi"},
		{"loop variable captured by a deferred closure", "for i := 0; i < 2; i++ {\n\tdefer func() { fmt.Println(i) }()\n}", "go"},
		{"goflags", "%goflags -race\nfmt.Println(1)", "go"},
		{"goflags reset", "%goflags --reset\nfmt.Println(2)", "yaegi"},
		{"engine go", "%engine go\nfmt.Println(3)", "go"},
		{"engine yaegi, router refuses", "%engine yaegi\nx := 1.5\nfmt.Println(min(x, 2))", "go"},
		{"engine auto", "%engine auto\nfmt.Println(4)", "yaegi"},
	}
	for _, tt := range tests {
		e := k.exec(tt.code)
		if e.Status != "ok" {
			t.Fatalf("%s: %s: %s", tt.name, e.EName, e.EValue)
		}
		if got := engineOf(e); got != tt.engine {
			t.Errorf("%s: ran with %q, want %q", tt.name, got, tt.engine)
		}
	}
	e := k.exec("%engine")
	if out := streamText(e, "stdout"); !strings.Contains(out, "Engine: auto") || !strings.Contains(out, "last cell ran with yaegi") {
		t.Errorf("%%engine shows %q", out)
	}
	e = k.exec("%engine fastest")
	if e.Status != "error" || !strings.Contains(e.EValue, "want auto, go or yaegi") {
		t.Errorf("%%engine fastest: %s %s", e.Status, e.EValue)
	}
}

// BenchmarkEngines runs new cells (the source changes every time, so
// nothing is cached) through the real kernel with each engine, alternating
// in one loop: a trivial cell and a cell with goroutines. Run with
//
//	go test -run '^$' -bench Engines -benchtime 10x ./kernel/cmd/gokernel
func BenchmarkEngines(b *testing.B) {
	c, _ := benchKernel(b)
	waitForYaegi(b, func(code string) *client.Execution {
		e, err := c.Execute(context.Background(), code, quiet())
		if err != nil {
			b.Fatal(err)
		}
		return e
	})
	cells := map[string]string{
		"trivial": "fmt.Println(\"cell %d\")",
		// A last call with one result, whose value is shown: its program
		// is decided by a type check.
		"shown-call": "strings.Repeat(\"cell %d \", 2)",
		"goroutine":  "var wg sync.WaitGroup\nres := make([]int, 4)\nfor i := 0; i < 4; i++ {\n\twg.Add(1)\n\tgo square(&wg, res, i)\n}\nwg.Wait()\nfmt.Println(res, %d)\n\nfunc square(wg *sync.WaitGroup, out []int, i int) { defer wg.Done(); out[i] = i * i }",
	}
	run := func(engine, code string) time.Duration {
		start := time.Now()
		e, err := c.Execute(context.Background(), "%engine "+engine+"\n"+code, client.NewExecuteOptions())
		took := time.Since(start)
		if err != nil || e.Status != "ok" {
			b.Fatalf("%s: %v %s %s", engine, err, e.EName, e.EValue)
		}
		want := engine
		if engine == "auto" {
			want = "yaegi"
		}
		if got := engineOf(e); got != want {
			b.Fatalf("the cell ran with %s, want %s", got, want)
		}
		return took
	}
	for _, name := range []string{"trivial", "shown-call", "goroutine"} {
		b.Run(name, func(b *testing.B) {
			var yaegi, compiled time.Duration
			n := 0
			run("auto", fmt.Sprintf(cells[name], -1)) // the worker and the type checker's first load
			for b.Loop() {
				n++
				yaegi += run("auto", fmt.Sprintf(cells[name], 2*n))
				compiled += run("go", fmt.Sprintf(cells[name], 2*n+1))
			}
			y, g := yaegi/time.Duration(n), compiled/time.Duration(n)
			b.ReportMetric(float64(y.Microseconds())/1000, "yaegi-ms/cell")
			b.ReportMetric(float64(g.Microseconds())/1000, "go-ms/cell")
			b.ReportMetric(float64(g)/float64(y), "speedup")
		})
	}
	// Back to back, as Run All sends them, a yaegi cell comes before its
	// spare worker has started: the figure without the spare's help.
	b.Run("trivial-back-to-back", func(b *testing.B) {
		var yaegi time.Duration
		n := 0
		for b.Loop() {
			n++
			yaegi += run("auto", fmt.Sprintf(cells["trivial"], 1000+n))
		}
		b.ReportMetric(float64((yaegi/time.Duration(n)).Microseconds())/1000, "yaegi-ms/cell")
	})
}

// courseCells returns the code cells of the course's notebooks, by
// notebook, skipping cells tagged nondeterministic.
func courseCells(t *testing.T) map[string][]string {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string][]string{}
	for _, f := range files {
		nb, err := notebook.ReadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range nb.Cells {
			if c.Type == "code" && !c.HasTag("nondeterministic") {
				cells[filepath.Base(f)] = append(cells[filepath.Base(f)], c.Source)
			}
		}
	}
	return cells
}

var (
	durationRE = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m|h)\b`)
	addressRE  = regexp.MustCompile(`0x[0-9a-f]+`)
	// yaegi's index check does not say which index and length.
	indexRE = regexp.MustCompile(`(index out of range) \[\d+\] with length \d+`)
)

// outputsText renders a cell's outputs for comparison as a notebook
// would keep them (clear_output removes what came before it), with
// durations and addresses replaced (the same normalisation as
// kernel/interp's differential cells).
func outputsText(e *client.Execution) string {
	var b strings.Builder
	var streamName string
	pendingClear := false
	for _, m := range e.Outputs {
		var content map[string]any
		m.Decode(&content)
		if m.Header.MsgType == "clear_output" {
			if wait, _ := content["wait"].(bool); wait {
				pendingClear = true
			} else {
				b.Reset()
				streamName = ""
			}
			continue
		}
		if pendingClear {
			b.Reset()
			streamName, pendingClear = "", false
		}
		// How a stream is cut into messages depends on timing: join
		// consecutive messages of one stream.
		if m.Header.MsgType == "stream" {
			name, _ := content["name"].(string)
			if name != streamName {
				fmt.Fprintf(&b, "\nstream %s: ", name)
				streamName = name
			}
			text, _ := content["text"].(string)
			b.WriteString(text)
			continue
		}
		streamName = ""
		delete(content, "transient")
		delete(content, "execution_count")
		delete(content, "traceback")
		j, _ := json.Marshal(content)
		fmt.Fprintf(&b, "%s %s\n", m.Header.MsgType, j)
	}
	s := fmt.Sprintf("status %s %s %s\n", e.Status, e.EName, e.EValue) + b.String()
	s = indexRE.ReplaceAllString(s, "$1")
	return addressRE.ReplaceAllString(durationRE.ReplaceAllString(s, "<dur>"), "<addr>")
}

// TestCourseEngines runs every notebook's code cells in a kernel with
// %engine auto and in one with %engine go, and compares the outputs after
// normalisation; it prints the share of cells that ran with yaegi. Cells
// tagged nondeterministic are skipped. Set GOKERNEL_COURSE=1 to run it (it
// compiles every cell of the course).
func TestCourseEngines(t *testing.T) {
	t.Parallel()
	if os.Getenv("GOKERNEL_COURSE") == "" {
		t.Skip("set GOKERNEL_COURSE=1 to run the course with both engines")
	}
	total, fast := 0, 0
	why := map[string]int{} // cells kept off yaegi, by the router's class or other reason
	for nb, cells := range courseCells(t) {
		auto, compiled := startKernel(t, "tcp"), startKernel(t, "tcp")
		waitForYaegi(t, func(code string) *client.Execution { return auto.execWith(code, quiet()) })
		// Silent, so that execution counts stay as in the auto kernel.
		silent := client.NewExecuteOptions()
		silent.Silent = true
		compiled.execWith("%engine go", silent)
		// One notebook runs whole in one kernel, then in the other, as
		// cells may share files through shell lines.
		autoRuns := make([]*client.Execution, len(cells))
		for i, code := range cells {
			autoRuns[i] = auto.exec(code)
			if engineOf(autoRuns[i]) != "yaegi" {
				why[reasonOf(auto.execWith("%engine", quiet()))]++
			}
		}
		for i, code := range cells {
			a, g := autoRuns[i], compiled.exec(code)
			total++
			if engineOf(a) == "yaegi" {
				fast++
			}
			if at, gt := outputsText(a), outputsText(g); at != gt {
				t.Errorf("%s cell %d differs (auto ran it with %q)\nauto:\n%s\ngo:\n%s", nb, i+1, engineOf(a), at, gt)
			}
		}
	}
	if total > 0 {
		t.Logf("course: %d of %d code cells ran with yaegi (%.0f%%)", fast, total, 100*float64(fast)/float64(total))
	}
	reasons := make([]string, 0, len(why))
	for r := range why {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return why[reasons[i]] > why[reasons[j]] })
	for _, r := range reasons {
		t.Logf("%3d cells compiled: %s", why[r], r)
	}
}

// reasonOf returns why the last cell ran with the compiler, from the
// output of %engine: the router's class name, or the whole reason when
// it is not a class.
func reasonOf(e *client.Execution) string {
	out := stdout(e)
	_, why, ok := strings.Cut(out, "(")
	if !ok {
		return "unknown: " + strings.TrimSpace(out)
	}
	why = strings.TrimSuffix(strings.TrimSpace(why), ").")
	for _, c := range interp.Classes() {
		if strings.Contains(why, " "+c.Name+": ") || strings.HasPrefix(why, c.Name+": ") {
			return c.Name
		}
	}
	return why
}

// TestEveryEndingRunsOnce runs cells that append a line to a file and then
// end in each way a program can end, on the default engine (%engine auto,
// which runs most of them with yaegi) and with the compiler. Each cell's
// side effect must happen exactly once; both engines must report the same
// ename, evalue and cell line; a failing cell's IOPub messages must be
// busy, execute_input, the cell's own output, one error, idle.
func TestEveryEndingRunsOnce(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	waitForYaegi(t, func(code string) *client.Execution { return k.execWith(code, quiet()) })
	dir := t.TempDir()
	// The side effect, on lines 1 to 5 of every cell.
	const prefix = "f, err := os.OpenFile(%q, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)\n" +
		"if err != nil {\n\tpanic(err)\n}\n" +
		"fmt.Fprintln(f, \"ran\"); f.Close(); fmt.Println(\"before\")\n"
	tests := []struct {
		name, ending string
		yaegi        bool   // whether auto runs it with yaegi
		ename        string // "" for a cell that succeeds
		evalue, line string
	}{
		{"panic", "panic(\"boom\")", true, "panic", "boom", ":6"},
		{"index out of range", "s := []int{1, 2, 3}\ni := 5\nfmt.Println(s[i])", true, "panic", "runtime error: index out of range [5] with length 3", ":8"},
		{"nil map", "var m map[string]int\nm[\"a\"] = 1", true, "panic", "assignment to entry in nil map", ":7"},
		{"deadlock", "ch := make(chan int)\nch <- 1", true, "fatal error", "all goroutines are asleep - deadlock!", ":7"},
		{"panic in a goroutine", "done := make(chan bool)\ngo func() {\n\tpanic(\"in a goroutine\")\n}()\n<-done", true, "panic", "in a goroutine", ":8"},
		{"panic in a function", "func() {\n\tvar p *struct{ n int }\n\tfmt.Println(p.n)\n}()", true, "panic", "runtime error: invalid memory address or nil pointer dereference", ":8"},
		{"os.Exit", "os.Exit(3)", true, "ExitError", "the program exited with status 3", ""},
		// 75 is also the worker's status for "yaegi cannot compile it".
		{"os.Exit(75)", "os.Exit(75)", true, "ExitError", "the program exited with status 75", ""},
		{"log.Fatal", "log.Fatal(\"cannot go on\")", true, "ExitError", "the program exited with status 1", ""},
		{"recovered panic", "func() {\n\tdefer func() { fmt.Println(\"recovered:\", recover()) }()\n\tpanic(\"inner\")\n}()", true, "", "", ""},
		{"re-panic", "func() {\n\tdefer func() { panic(fmt.Sprint(\"again: \", recover())) }()\n\tpanic(\"first\")\n}()", false, "panic", "first", ""},
		{"runtime.Goexit in main", "runtime.Goexit()", false, "fatal error", "no goroutines (main called runtime.Goexit) - deadlock!", ""},
	}
	for i, tt := range tests {
		for _, engine := range []string{"auto", "go"} {
			file := filepath.Join(dir, fmt.Sprintf("%d-%s.txt", i, engine))
			// %engine in a silent cell, so the cell itself is only Go.
			silent := client.NewExecuteOptions()
			silent.Silent = true
			k.execWith("%engine "+engine, silent)
			e := k.exec(fmt.Sprintf(prefix, file) + tt.ending)
			what := tt.name + " (" + engine + ")"
			if b, err := os.ReadFile(file); err != nil || string(b) != "ran\n" {
				t.Errorf("%s: the side effect happened %d times, want once (%v)", what, strings.Count(string(b), "ran"), err)
			}
			want := "go"
			if engine == "auto" && tt.yaegi {
				want = "yaegi"
			}
			if got := engineOf(e); got != want {
				t.Errorf("%s: ran with %s, want %s", what, got, want)
			}
			if tt.ename == "" {
				if e.Status != "ok" {
					t.Errorf("%s: %s: %s", what, e.EName, e.EValue)
				}
				continue
			}
			if e.EName != tt.ename || e.EValue != tt.evalue {
				t.Errorf("%s: ename %q evalue %q, want %q %q", what, e.EName, e.EValue, tt.ename, tt.evalue)
			}
			tb := strings.Join(e.Traceback, "\n")
			if tt.line != "" && !regexp.MustCompile(`In\[\d+\]`+tt.line+`\b`).MatchString(tb) {
				t.Errorf("%s: the report does not name line %s:\n%s", what, tt.line, tb)
			}
			var seq []string
			for _, m := range e.IOPub {
				s := m.Header.MsgType
				if s == "status" {
					s += ":" + content(t, m)["execution_state"].(string)
				}
				if s == "stream" && len(seq) > 0 && seq[len(seq)-1] == "stream" {
					continue // how output is cut into messages depends on timing
				}
				seq = append(seq, s)
			}
			if got := strings.Join(seq, " "); got != "status:busy execute_input stream error status:idle" {
				t.Errorf("%s: iopub %s, want status:busy execute_input stream error status:idle", what, got)
			}
			if got := stdout(e); !strings.HasPrefix(got, "before\n") || strings.Count(got, "before") != 1 {
				t.Errorf("%s: stdout %q, want one run's", what, got)
			}
		}
	}
}
