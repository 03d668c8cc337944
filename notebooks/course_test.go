// Package notebooks_test checks the course's house rules on the committed
// notebooks: what a learner sees when opening them, before running a cell.
// Whether every cell still runs is checked by `gokernel run --check` and the
// engine tests in kernel/cmd/gokernel.
package notebooks_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

// maxColumns is the widest a code line may be, counting a tab as 4
// columns: code cells do not wrap, and a longer line is cut off at the
// right edge of a JupyterLab window with its file browser open.
const maxColumns = 100

// course reads every notebook of the course.
func course(t *testing.T) map[string]*notebook.Notebook {
	t.Helper()
	files, err := filepath.Glob("*.ipynb")
	if err != nil || len(files) == 0 {
		t.Fatalf("no notebooks found in the course directory (err %v)", err)
	}
	nbs := map[string]*notebook.Notebook{}
	for _, f := range files {
		nb, err := notebook.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nbs[f] = nb
	}
	return nbs
}

// columns is the width of line on screen with tabs every 4 columns.
func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 4 - n%4
		} else {
			n++
		}
	}
	return n
}

func TestColumns(t *testing.T) {
	for _, tt := range []struct {
		line string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"\tx", 5},
		{"ab\tc", 5},
		{"\t\tfmt.Println(\"é\")", 24},
	} {
		if got := columns(tt.line); got != tt.want {
			t.Errorf("columns(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestCodeLinesFit(t *testing.T) {
	for name, nb := range course(t) {
		for i, c := range nb.Cells {
			if c.Type != notebook.CodeCell {
				continue
			}
			for j, line := range strings.Split(c.Source, "\n") {
				if n := columns(line); n > maxColumns {
					t.Errorf("%s: cell %d, line %d is %d columns wide (at most %d; break it): %s",
						name, i+1, j+1, n, maxColumns, strings.TrimSpace(line))
				}
			}
		}
	}
}

func TestEveryCodeCellRan(t *testing.T) {
	for name, nb := range course(t) {
		for i, c := range nb.Cells {
			// A cell tagged skip-execution is one a learner runs by hand (to
			// interrupt it, say); headless runs leave it alone.
			if nbrun.Runs(c) && c.ExecutionCount == nil {
				t.Errorf("%s: cell %d has not run: execute the notebook with gokernel run %s", name, i+1, name)
			}
		}
	}
}

// machineText matches what must not reach a committed output: paths of
// the machine that ran it, and the generated names of cells in the kernel's
// workspace (a learner's traceback says In[N]).
var machineText = regexp.MustCompile(`/tmp/|/root/|/home/|cell[0-9a-f]{12}|gokernel-cache`)

func TestOutputsArePortable(t *testing.T) {
	for name, nb := range course(t) {
		for i, c := range nb.Cells {
			for _, o := range c.Outputs {
				texts := append([]string{o.Text, o.EValue}, o.Traceback...)
				for _, v := range o.Data {
					if s, ok := v.(string); ok {
						texts = append(texts, s)
					}
				}
				for _, s := range texts {
					if m := machineText.FindString(s); m != "" {
						t.Errorf("%s: cell %d: an output shows %q, which belongs to the machine that ran it", name, i+1, m)
					}
				}
			}
		}
	}
}

func TestFailuresAreTagged(t *testing.T) {
	for name, nb := range course(t) {
		for i, c := range nb.Cells {
			failed := false
			for _, o := range c.Outputs {
				failed = failed || o.Type == notebook.ErrorOutput
			}
			tagged := c.HasTag(nbrun.TagRaisesException)
			switch {
			case failed && !tagged:
				t.Errorf("%s: cell %d fails but is not tagged raises-exception: tag it if it fails on purpose, fix it if not", name, i+1)
			case tagged && !failed:
				t.Errorf("%s: cell %d is tagged raises-exception but did not fail: drop the tag or re-execute the notebook", name, i+1)
			}
		}
	}
}

// elsewhere matches prose that points outside the course: the course
// speaks about itself, and its sentences stand on their own.
var elsewhere = regexp.MustCompile(`(?i)\bseed\b|\bseeds\b|source material`)

func TestProseStandsOnItsOwn(t *testing.T) {
	for name, nb := range course(t) {
		for i, c := range nb.Cells {
			if m := elsewhere.FindString(c.Source); m != "" {
				t.Errorf("%s: cell %d mentions %q: say it without pointing outside the course", name, i+1, m)
			}
		}
	}
}
