package nbrun_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

// buildGokernel builds the gokernel command, or skips the test when it
// cannot be built.
func buildGokernel(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test with a real kernel; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build gokernel")
	}
	bin := filepath.Join(t.TempDir(), "gokernel")
	cmd := exec.Command(gobin, "build", "-o", bin, "asyncgo/kernel/cmd/gokernel")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build gokernel: %v\n%s", err, out)
	}
	return bin
}

func TestEndToEnd(t *testing.T) {
	bin := buildGokernel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "e2e.ipynb")
	writeNotebook(t, path,
		code("fmt.Println(\"hello from\", \"gokernel\")"),
		code("panic(\"expected\")", nbrun.TagRaisesException),
		code("fmt.Println(6 * 7)"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := nbrun.Run(ctx, nbrun.Options{Paths: []string{path}, Timeout: time.Minute, Start: nbrun.StartProcess(bin)})
	if err != nil {
		t.Fatal(err)
	}
	if r := sum.Results[0]; r.Err != nil || r.Cells != 3 {
		t.Fatalf("result %+v", r)
	}
	nb, err := notebook.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := func(c *notebook.Cell) string {
		var b strings.Builder
		for _, o := range c.Outputs {
			b.WriteString(o.Type + ":" + o.Text + o.EName + "\n")
		}
		return b.String()
	}
	if got := text(nb.Cells[0]); !strings.Contains(got, "hello from gokernel") {
		t.Errorf("cell 1 outputs: %q", got)
	}
	if got := text(nb.Cells[1]); !strings.Contains(got, "error:") {
		t.Errorf("cell 2 outputs: %q, want an error", got)
	}
	if got := text(nb.Cells[2]); !strings.Contains(got, "42") {
		t.Errorf("cell 3 outputs: %q", got)
	}

	// Checking the notebook just written finds no difference.
	before, _ := os.ReadFile(path)
	sum, err = nbrun.Run(ctx, nbrun.Options{Paths: []string{path}, Check: true, Timeout: time.Minute, Start: nbrun.StartProcess(bin)})
	if err != nil {
		t.Fatal(err)
	}
	if r := sum.Results[0]; !r.OK() {
		t.Errorf("check of a fresh notebook: %v, diffs %+v", r.Err, r.Diffs)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("check changed the notebook")
	}
}

func TestEndToEndTimeout(t *testing.T) {
	bin := buildGokernel(t)
	path := filepath.Join(t.TempDir(), "slow.ipynb")
	writeNotebook(t, path, code("fmt.Println(\"start\")\ntime.Sleep(time.Hour)"), code("fmt.Println(\"not run\")"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The cell never ends, so any timeout proves it; a short one keeps the
	// test short.
	sum, err := nbrun.Run(ctx, nbrun.Options{Paths: []string{path}, Timeout: time.Second, Grace: 10 * time.Second, Start: nbrun.StartProcess(bin)})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Results[0]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "cell 1: Timeout") {
		t.Errorf("error = %v, want a timeout in cell 1", r.Err)
	}
}
