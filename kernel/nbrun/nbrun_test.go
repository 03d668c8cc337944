package nbrun_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// cellSpec is a compact cell: "md:" prefix for markdown, tags after "#".
type cellSpec struct {
	source string
	tags   []string
	stored []*notebook.Output
}

func code(src string, tags ...string) cellSpec { return cellSpec{source: src, tags: tags} }

func writeNotebook(t *testing.T, path string, cells ...cellSpec) {
	t.Helper()
	nb := notebook.New()
	nb.Metadata["kernelspec"] = map[string]any{"name": "gokernel", "display_name": "Go", "language": "go"}
	for i, c := range cells {
		cell := &notebook.Cell{ID: fmt.Sprintf("cell-%d", i+1), Type: notebook.CodeCell, Source: c.source, Outputs: c.stored}
		if md, ok := strings.CutPrefix(c.source, "md:"); ok {
			cell.Type, cell.Source, cell.Outputs = notebook.MarkdownCell, md, nil
		}
		if len(c.tags) > 0 {
			tags := []any{}
			for _, tag := range c.tags {
				tags = append(tags, tag)
			}
			cell.Metadata = map[string]any{"tags": tags}
		}
		if cell.Type == notebook.CodeCell && cell.Outputs == nil {
			cell.Outputs = []*notebook.Output{}
		}
		cell.ExecutionCount = nil
		nb.Cells = append(nb.Cells, cell)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := notebook.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
}

func stream(name, text string) *notebook.Output {
	return &notebook.Output{Type: "stream", Name: name, Text: text}
}

func TestRunWritesNotebook(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "course", "basic.ipynb")
	writeNotebook(t, in,
		code("md:# Basics"),
		code("out hello\nout world\nerr oops\nout again"),
		code("show clock 1s\nresult 42"),
		code("update clock 2s\nout updated"),
		code("out never", nbrun.TagSkipExecution),
		code("  \n"),
		code("raise panic expected failure", nbrun.TagRaisesException),
		code("out after the expected failure"),
	)
	// The skipped cell keeps stored outputs.
	nb, _ := notebook.ReadFile(in)
	nb.Cells[4].Outputs = []*notebook.Output{stream("stdout", "stored\n")}
	nb.Cells[5].Outputs = []*notebook.Output{stream("stdout", "blank cells are not run\n")}
	notebook.WriteFile(in, nb)

	kernels := &fakeKernels{}
	out := filepath.Join(dir, "out")
	sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{filepath.Join(dir, "course")}, OutDir: out, Start: kernels.Start})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Results[0]
	if !r.OK() || r.Cells != 5 || r.Output != filepath.Join(out, "basic.ipynb") {
		t.Fatalf("result = %+v, want ok with 5 cells written to out/basic.ipynb", r)
	}
	if kernels.dirs[0] != filepath.Join(dir, "course") || kernels.closed != 1 {
		t.Errorf("kernel started in %v, closed %d times; want the notebook's directory, once", kernels.dirs, kernels.closed)
	}
	got, err := os.ReadFile(r.Output)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "basic.golden.ipynb", got)
	if before, _ := notebook.ReadFile(in); len(before.Cells[1].Outputs) != 0 {
		t.Error("the input notebook was changed although -o was given")
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name       string
		cells      []cellSpec
		startErr   error
		timeout    time.Duration
		want       string // the failure's message, a regular expression
		ran        int
		outputs    string // text of the last cell that ran, as written
		interrupts int
	}{
		{name: "unexpected error stops the notebook",
			cells: []cellSpec{code("out one"), code("out two\nraise panic runtime error: index out of range [3]"), code("out three")},
			want:  `^nb\.ipynb: cell 2: panic: runtime error: index out of range \[3\]$`, ran: 2, outputs: "two\n"},
		{name: "timeout interrupts the cell",
			cells: []cellSpec{code("out start\nsleep"), code("out not run")}, timeout: 20 * time.Millisecond,
			want: `^nb\.ipynb: cell 1: Timeout: cell ran longer than 20ms and interrupted; raise --timeout`, ran: 1, outputs: "start\n", interrupts: 1},
		{name: "cell that ignores the interrupt",
			cells: []cellSpec{code("hang")}, timeout: 10 * time.Millisecond,
			want: `^nb\.ipynb: cell 1: Timeout: cell ran longer than 10ms and did not stop when interrupted`, ran: 1, interrupts: 1},
		{name: "aborted", cells: []cellSpec{code("md:text"), code("abort")},
			want: `^nb\.ipynb: cell 2: Aborted: the kernel aborted the execution$`, ran: 1},
		{name: "kernel lost", cells: []cellSpec{code("die")},
			want: `^nb\.ipynb: cell 1: KernelError: kernel process exited$`, ran: 1},
		{name: "kernel does not start", cells: []cellSpec{code("out x")}, startErr: errors.New("no such binary"),
			want: `^nb\.ipynb: starting a kernel: no such binary$`, ran: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			writeNotebook(t, "nb.ipynb", tt.cells...)
			kernels := &fakeKernels{startErr: tt.startErr}
			sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{"nb.ipynb"}, Timeout: tt.timeout, Grace: 20 * time.Millisecond, Start: kernels.Start})
			if err != nil {
				t.Fatal(err)
			}
			r := sum.Results[0]
			if r.Err == nil || !regexp.MustCompile(tt.want).MatchString(r.Err.Error()) {
				t.Fatalf("error = %v, want one matching %s", r.Err, tt.want)
			}
			if r.Cells != tt.ran || kernels.interrupted != tt.interrupts || sum.Failed() != 1 {
				t.Errorf("ran %d cells with %d interrupts, %d failed; want %d, %d, 1", r.Cells, kernels.interrupted, sum.Failed(), tt.ran, tt.interrupts)
			}
			if tt.startErr == nil && kernels.closed != 1 {
				t.Errorf("kernel closed %d times, want 1", kernels.closed)
			}
			// The notebook is written with the outputs up to the failure.
			nb, err := notebook.ReadFile("nb.ipynb")
			if err != nil {
				t.Fatal(err)
			}
			if tt.outputs != "" {
				var last *notebook.Cell
				for _, c := range nb.Cells {
					if c.ExecutionCount != nil {
						last = c
					}
				}
				if last == nil || len(last.Outputs) == 0 || last.Outputs[0].Text != tt.outputs {
					t.Errorf("last cell run = %+v, want its first output %q", last, tt.outputs)
				}
			}
			var ce *nbrun.CellError
			if errors.As(r.Err, &ce) != (tt.startErr == nil) {
				t.Errorf("error %v is a CellError: %v", r.Err, ce != nil)
			}
			after := 0
			if ce != nil {
				after = ce.Cell
			}
			for _, c := range nb.Cells[after:] {
				if c.ExecutionCount != nil || len(c.Outputs) > 0 {
					t.Errorf("cell %s after the failure has outputs or a count", c.ID)
				}
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	t.Chdir(t.TempDir())
	writeNotebook(t, "nb.ipynb", code("sleep"), code("out next"))
	ctx, cancel := context.WithCancel(context.Background())
	kernels := &fakeKernels{}
	time.AfterFunc(20*time.Millisecond, cancel)
	sum, err := nbrun.Run(ctx, nbrun.Options{Paths: []string{"nb.ipynb"}, Start: kernels.Start})
	if err != nil {
		t.Fatal(err)
	}
	var ce *nbrun.CellError
	if !errors.As(sum.Results[0].Err, &ce) || ce.EName != "Cancelled" || ce.Cell != 1 || kernels.interrupted != 1 {
		t.Errorf("error = %v after %d interrupts, want cell 1 Cancelled after 1", sum.Results[0].Err, kernels.interrupted)
	}
}

func TestParallel(t *testing.T) {
	dir := t.TempDir()
	const n = 6
	for i := range n {
		writeNotebook(t, filepath.Join(dir, fmt.Sprintf("nb%d.ipynb", i)), code(fmt.Sprintf("out notebook %d", i)), code("result done"))
	}
	for _, jobs := range []int{1, 3} {
		t.Run(fmt.Sprintf("j=%d", jobs), func(t *testing.T) {
			kernels := &fakeKernels{}
			sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{dir}, Jobs: jobs, Start: kernels.Start, Progress: &bytes.Buffer{}})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Failed() != 0 || len(sum.Results) != n || kernels.executed != 2*n || kernels.closed != n {
				t.Fatalf("failed %d of %d, %d cells run, %d kernels closed", sum.Failed(), len(sum.Results), kernels.executed, kernels.closed)
			}
			if kernels.maxRunning > jobs {
				t.Errorf("%d kernels ran at once with -j %d", kernels.maxRunning, jobs)
			}
			for i, r := range sum.Results {
				nb, err := notebook.ReadFile(r.Path)
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("notebook %d\n", i); nb.Cells[0].Outputs[0].Text != want {
					t.Errorf("%s holds %q, want %q", r.Path, nb.Cells[0].Outputs[0].Text, want)
				}
			}
		})
	}
}

func TestRunOptionErrors(t *testing.T) {
	dir := t.TempDir()
	writeNotebook(t, filepath.Join(dir, "a", "x.ipynb"), code("out a"))
	writeNotebook(t, filepath.Join(dir, "b", "x.ipynb"), code("out b"))
	os.MkdirAll(filepath.Join(dir, "empty", ".ipynb_checkpoints"), 0o755)
	writeNotebook(t, filepath.Join(dir, "empty", ".ipynb_checkpoints", "c.ipynb"), code("out c"))
	kernels := &fakeKernels{}
	tests := []struct {
		name string
		opts nbrun.Options
		want string
	}{
		{"no paths", nbrun.Options{Start: kernels.Start}, "no notebooks given"},
		{"missing file", nbrun.Options{Paths: []string{filepath.Join(dir, "nope.ipynb")}, Start: kernels.Start}, "no such file"},
		{"only checkpoints", nbrun.Options{Paths: []string{filepath.Join(dir, "empty")}, Start: kernels.Start}, "no .ipynb notebooks"},
		{"same output", nbrun.Options{Paths: []string{filepath.Join(dir, "a", "x.ipynb"), filepath.Join(dir, "b", "x.ipynb")}, OutDir: filepath.Join(dir, "out"), Start: kernels.Start}, "would both be written"},
		{"check with output", nbrun.Options{Paths: []string{dir}, Check: true, OutDir: dir, Start: kernels.Start}, "drop the output directory"},
		{"no kernels", nbrun.Options{Paths: []string{dir}}, "Options.Start is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := nbrun.Run(context.Background(), tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if kernels.executed != 0 {
		t.Errorf("%d cells ran despite the errors", kernels.executed)
	}
}

func TestRuns(t *testing.T) {
	skip := map[string]any{"tags": []any{nbrun.TagSkipExecution}}
	for _, tt := range []struct {
		name string
		cell notebook.Cell
		want bool
	}{
		{"code", notebook.Cell{Type: notebook.CodeCell, Source: "x := 1"}, true},
		{"code tagged skip-execution", notebook.Cell{Type: notebook.CodeCell, Source: "x := 1", Metadata: skip}, false},
		{"blank code", notebook.Cell{Type: notebook.CodeCell, Source: " \n\t"}, false},
		{"markdown", notebook.Cell{Type: notebook.MarkdownCell, Source: "# title"}, false},
	} {
		if got := nbrun.Runs(&tt.cell); got != tt.want {
			t.Errorf("Runs(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
