package debugger_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/debugger"
)

// TestBreakInEarlierCell builds a program the way the kernel does (kernel/cell
// generates it from two cells), with //line directives naming the cell
// files, stops in the second cell and steps into the function the first
// cell declared, and out again: the stack shows both cells' own files and
// lines.
func TestBreakInEarlierCell(t *testing.T) {
	f := newFrontend(t, dlvPath(t))
	first := "func add(a, b int) int {\n\tsum := a + b\n\treturn sum\n}\n"
	second := "import \"fmt\"\n\nfmt.Println(add(2, 3))\n"

	s := cell.NewSession()
	c1, err := cell.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	s.Commit(c1, "cellfirst")
	c2, err := cell.Parse(second)
	if err != nil {
		t.Fatal(err)
	}

	f.request("initialize", map[string]any{"clientID": "test", "adapterID": "go"})
	f.request("attach", map[string]any{})
	paths := map[string]string{}
	for name, code := range map[string]string{"cellfirst": first, "cellsecond": second} {
		paths[name] = f.request("dumpCell", map[string]any{"code": code})["sourcePath"].(string)
	}
	prog, err := s.Generate(c2, "cellsecond", cell.GenerateOptions{FileName: func(name string) string { return paths[name] }})
	if err != nil {
		t.Fatal(err)
	}
	src := prog.Source
	if strings.Contains(string(src), "//line cell") {
		t.Fatalf("cell names left in the debug program:\n%s", src)
	}
	f.request("setBreakpoints", map[string]any{"source": map[string]any{"path": paths["cellsecond"]},
		"breakpoints": []any{map[string]any{"line": 3}}})
	f.request("configurationDone", nil)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cell")
	cmd := exec.Command("go", "build", "-gcflags=all=-N -l", "-trimpath", "-o", bin, "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building:\n%s\n%v\n%s", src, err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { _, err := f.d.Run(ctx, debugger.Program{Path: bin, Stdout: &out}); done <- err }()

	stop := f.waitEvent("stopped")
	thread := stop["threadId"]
	type at struct {
		cell string
		line float64
	}
	// expect checks the innermost frames of the stopped goroutine.
	expect := func(step string, want ...at) map[string]any {
		t.Helper()
		st := f.request("stackTrace", map[string]any{"threadId": thread, "levels": len(want)})
		frames := st["stackFrames"].([]any)
		for i, w := range want {
			fr := frames[i].(map[string]any)
			if path := fr["source"].(map[string]any)["path"]; path != paths[w.cell] || fr["line"] != w.line {
				t.Errorf("%s: frame %d at %v:%v, want %s:%v (%s)", step, i, path, fr["line"], paths[w.cell], w.line, w.cell)
			}
		}
		return frames[0].(map[string]any)
	}
	expect("breakpoint", at{"cellsecond", 3})
	for _, step := range []struct {
		command string
		want    []at
	}{
		// Unoptimised, a call stops first on the func line.
		{"stepIn", []at{{"cellfirst", 1}, {"cellsecond", 3}}},
		{"next", []at{{"cellfirst", 2}, {"cellsecond", 3}}},
		{"next", []at{{"cellfirst", 3}, {"cellsecond", 3}}},
	} {
		f.request(step.command, map[string]any{"threadId": thread})
		if got := f.waitEvent("stopped")["reason"]; got != "step" {
			t.Errorf("%s stopped for %v, want step", step.command, got)
		}
		expect(step.command, step.want...)
	}
	if got := f.locals(expect("next", at{"cellfirst", 3}))["sum"]; got != "5" {
		t.Errorf("sum = %q, want 5", got)
	}
	f.request("stepOut", map[string]any{"threadId": thread})
	f.waitEvent("stopped")
	expect("stepOut", at{"cellsecond", 3})
	f.request("continue", map[string]any{"threadId": thread})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.b.String() != "5\n" {
		t.Errorf("output %q, want %q", out.b.String(), "5\n")
	}
}
