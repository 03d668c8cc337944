package nbrun_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"took 12.3ms", "took <duration>"},
		{"1h2m3.5s 800ns 1.2µs 3us 5s 2m", "<duration> <duration> <duration> <duration> <duration> <duration>"},
		{"0s elapsed", "<duration> elapsed"},
		{"3 items, 42 ms, x5s, v1", "3 items, 42 ms, x5s, v1"},
		{"ptr=0xc000012345 mask=0xff", "ptr=0x<addr> mask=0xff"},
		{"\t/tmp/cell.go:12 +0x1d", "\t/tmp/cell.go:12 +0x<offset>"},
		{"goroutine 17 [running]:\ncreated by main.main in goroutine 1", "goroutine <n> [running]:\ncreated by main.main in goroutine <n>"},
		{"at 2026-11-22T03:13:44.237662Z and 2026-11-22 03:13:44", "at <time> and <time>"},
		{"2026-11-22T03:13:44+01:00 done", "<time> done"},
		{"sum = 4950", "sum = 4950"},
	}
	for _, tt := range tests {
		if got := nbrun.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "check.ipynb")
	display := func(text string) *notebook.Output {
		return &notebook.Output{Type: "display_data", Data: notebook.MIMEBundle{"text/plain": text}, Metadata: map[string]any{}}
	}
	writeNotebook(t, path,
		cellSpec{source: "out took 1.5ms at 0xc000123456\nerr \x1b[31mred\x1b[0m", stored: []*notebook.Output{stream("stdout", "took 980µs at 0xc000999999\n"), stream("stderr", "red\n")}},
		cellSpec{source: "out sum 4951", stored: []*notebook.Output{stream("stdout", "sum 4950\n")}},
		cellSpec{source: "out order b\nout order a", tags: []string{nbrun.TagNondeterministic}, stored: []*notebook.Output{stream("stdout", "order a\norder b\n")}},
		cellSpec{source: "show d one\nout tail", tags: []string{nbrun.TagNondeterministic}, stored: []*notebook.Output{stream("stdout", "tail\n")}},
		cellSpec{source: "out not run", tags: []string{nbrun.TagSkipExecution}, stored: []*notebook.Output{stream("stdout", "anything\n")}},
		cellSpec{source: "show d first\nupdate d second", stored: []*notebook.Output{display("second")}},
	)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kernels := &fakeKernels{}
	sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{path}, Check: true, Start: kernels.Start})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Results[0]
	var cells []int
	for _, d := range r.Diffs {
		cells = append(cells, d.Cell)
	}
	if r.Err != nil || !slices.Equal(cells, []int{2, 4}) || r.Output != "" {
		t.Fatalf("check found differences in cells %v (error %v, written to %q), want cells 2 and 4 only", cells, r.Err, r.Output)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("--check changed the notebook")
	}

	// The report, with times zeroed and the temporary directory hidden.
	for i := range sum.Results {
		sum.Results[i].Elapsed = 0
		sum.Results[i].Path = filepath.Base(sum.Results[i].Path)
	}
	sum.Elapsed = 0
	var report bytes.Buffer
	nbrun.WriteReport(&report, sum)
	golden(t, "check-report.golden.txt", report.Bytes())
}

func TestCheckShapeIgnoresExecutionOrderText(t *testing.T) {
	// A nondeterministic cell compares equal whatever its text, as long
	// as the output types and MIME types match.
	dir := t.TempDir()
	path := filepath.Join(dir, "n.ipynb")
	writeNotebook(t, path, cellSpec{source: "out 3\nresult 7", tags: []string{nbrun.TagNondeterministic},
		stored: []*notebook.Output{stream("stdout", "totally different\n"), {Type: "execute_result", Data: notebook.MIMEBundle{"text/plain": "1"}, Metadata: map[string]any{"k": 1}}}})
	sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{path}, Check: true, Start: (&fakeKernels{}).Start})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Results[0].OK() {
		t.Errorf("nondeterministic cell differs: %+v", sum.Results[0].Diffs)
	}
}

func TestReportLongDiffIsCut(t *testing.T) {
	var want, got []string
	for i := range 100 {
		want = append(want, "  line "+strings.Repeat("x", i%3))
		got = append(got, "  line "+strings.Repeat("y", i%3))
	}
	sum := nbrun.Summary{Results: []nbrun.Result{{Path: "long.ipynb", Cells: 1, Diffs: []nbrun.CellDiff{{Cell: 1, Source: "a\nb\nc\nd\ne\n", Expected: want, Got: got}}}}}
	var out bytes.Buffer
	nbrun.WriteReport(&out, sum)
	text := out.String()
	for _, re := range []string{`\| c\n    \| \.\.\. \(2 more lines\)`, `\.\.\. \d+ more diff lines`, `1 notebooks, 1 cells run, 0 failed, 1 differ`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("report does not match %s:\n%s", re, text)
		}
	}
	if n := strings.Count(text, "\n"); n > 60 {
		t.Errorf("report of one cell has %d lines", n)
	}
}

func TestCheckShapeMergesInterleavedStreams(t *testing.T) {
	// stdout and stderr are two pipes: how they interleave varies, so in a
	// nondeterministic cell a run of streams is one step of the shape.
	tests := []struct {
		name   string
		stored []*notebook.Output
		same   bool
	}{
		{"interleaved differently", []*notebook.Output{stream("stdout", "a\n"), stream("stderr", "b\n"), stream("stdout", "c\n")}, true},
		{"no streams at all", nil, false},
		{"a display instead", []*notebook.Output{{Type: "display_data", Data: notebook.MIMEBundle{"text/plain": "x"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "n.ipynb")
			writeNotebook(t, path, cellSpec{source: "err report\nout hits\nerr more", tags: []string{nbrun.TagNondeterministic}, stored: tt.stored})
			sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{path}, Check: true, Start: (&fakeKernels{}).Start})
			if err != nil {
				t.Fatal(err)
			}
			if got := sum.Results[0].OK(); got != tt.same {
				t.Errorf("equal = %v, want %v; diffs %+v", got, tt.same, sum.Results[0].Diffs)
			}
		})
	}
}
