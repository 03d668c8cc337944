package notebooks_test

import (
	"fmt"
	"go/ast"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"unicode"

	"asyncgo/kernel/notebook"
)

// The course's limits on lengths: a notebook is read in one sitting, a
// code cell without scrolling.
const (
	maxCodeLines  = 40   // lines of a code cell
	maxCellsStart = 22   // cells of 00, read in ten minutes
	maxCells      = 50   // cells of every other notebook
	maxWords      = 4000 // words of prose of a notebook
	maxWordsDeep  = 5000 // words of prose of 04, the deep module
)

// codeFence opens or closes a fenced code block in markdown.
var codeFence = regexp.MustCompile("^\\s*(```|~~~)")

// proseWords counts the words of a markdown cell's prose, leaving out
// fenced code blocks and markup that is no word (#, -, |, ---).
func proseWords(md string) int {
	n, inCode := 0, false
	for _, line := range strings.Split(md, "\n") {
		if codeFence.MatchString(line) {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		for _, f := range strings.Fields(line) {
			if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				n++
			}
		}
	}
	return n
}

// codeLines counts the lines of a code cell, a final newline not making
// one more.
func codeLines(src string) int {
	src = strings.TrimRight(src, "\n")
	if src == "" {
		return 0
	}
	return strings.Count(src, "\n") + 1
}

// timing reports whether a code cell measures time (it calls time.Since,
// time.Until or a Sub method) and whether it shows the CPUs the figure
// depends on (it calls runtime.NumCPU() and runtime.GOMAXPROCS(0)). A
// cell that does not parse measures nothing.
func timing(src string) (timed, showsCPUs bool) {
	_, f, err := parseCell(src)
	if err != nil {
		return false, false
	}
	numCPU, gomaxprocs := false, false
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		q, _ := sel.X.(*ast.Ident)
		pkg := ""
		if q != nil {
			pkg = q.Name
		}
		switch name := sel.Sel.Name; {
		case pkg == "time" && (name == "Since" || name == "Until"):
			timed = true
		case name == "Sub" && len(call.Args) == 1 && pkg != "atomic":
			timed = true
		case pkg == "runtime" && name == "NumCPU":
			numCPU = true
		case pkg == "runtime" && name == "GOMAXPROCS" && len(call.Args) == 1:
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Value == "0" {
				gomaxprocs = true
			}
		}
		return true
	})
	return timed, numCPU && gomaxprocs
}

// stats are the figures of one notebook that the course's limits bound.
type stats struct {
	cells, words, longest, longestCell int
	timedWithoutCPUs                   []int // cell numbers
}

func statsOf(nb *notebook.Notebook) stats {
	s := stats{cells: len(nb.Cells)}
	for i, c := range nb.Cells {
		switch c.Type {
		case notebook.MarkdownCell:
			s.words += proseWords(c.Source)
		case notebook.CodeCell:
			if n := codeLines(c.Source); n > s.longest {
				s.longest, s.longestCell = n, i+1
			}
			if timed, cpus := timing(c.Source); timed && !cpus {
				s.timedWithoutCPUs = append(s.timedWithoutCPUs, i+1)
			}
		}
	}
	return s
}

// limitProblems checks a notebook against the course's limits on
// lengths.
func limitProblems(name string, nb *notebook.Notebook) []string {
	var problems []string
	cells, words := maxCells, maxWords
	switch number(name) {
	case "00":
		cells = maxCellsStart
	case "04":
		words = maxWordsDeep
	}
	s := statsOf(nb)
	if s.cells > cells {
		problems = append(problems, fmt.Sprintf("%s has %d cells, more than %d: shorten it, or move setup into helpers", name, s.cells, cells))
	}
	if s.words > words {
		problems = append(problems, fmt.Sprintf("%s has %d words of prose, more than %d: say it shorter", name, s.words, words))
	}
	for i, c := range nb.Cells {
		if n := codeLines(c.Source); c.Type == notebook.CodeCell && n > maxCodeLines {
			problems = append(problems, fmt.Sprintf("%s: cell %d has %d lines of code, more than %d: split it, or move what a learner need not read into helpers",
				name, i+1, n, maxCodeLines))
		}
	}
	for _, c := range s.timedWithoutCPUs {
		problems = append(problems, fmt.Sprintf("%s: cell %d measures time but does not print runtime.NumCPU() and runtime.GOMAXPROCS(0), on which the figure depends",
			name, c))
	}
	return problems
}

func TestCourseLimits(t *testing.T) {
	nbs := course(t)
	for _, name := range slices.Sorted(maps.Keys(nbs)) {
		for _, p := range limitProblems(name, nbs[name]) {
			t.Error(p)
		}
	}
}

// TestCourseStats shows, with -v, the figures the course's limits bound
// and each notebook's exercises with their check cells.
func TestCourseStats(t *testing.T) {
	nbs := course(t)
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "notebook\tcells\twords\tlongest code cell\ttimed cells without NumCPU\texercises (cell: check cells)")
	total := stats{}
	for _, name := range slices.Sorted(maps.Keys(nbs)) {
		s := statsOf(nbs[name])
		total.cells += s.cells
		total.words += s.words
		exs, _ := exercisesOf(name, nbs[name], "")
		var ex []string
		for _, e := range exs {
			var checks []string
			for _, c := range e.checks {
				checks = append(checks, fmt.Sprint(c+1))
			}
			ex = append(ex, fmt.Sprintf("%s (%d: %s)", e.name, e.cell+1, strings.Join(checks, ",")))
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d (cell %d)\t%d %v\t%s\n", name, s.cells, s.words, s.longest, s.longestCell,
			len(s.timedWithoutCPUs), s.timedWithoutCPUs, strings.Join(ex, " "))
	}
	fmt.Fprintf(w, "total\t%d\t%d\t\t\t\n", total.cells, total.words)
	w.Flush()
	t.Log("\n" + b.String())
}

func TestProseWords(t *testing.T) {
	for _, tt := range []struct {
		md   string
		want int
	}{
		{"", 0},
		{"# A title\n\nTwo words.", 4},
		{"Before\n```go\nx := 1\nfmt.Println(x)\n```\nafter `inline code` here", 5},
		{"~~~\nnot prose\n~~~\nprose", 1},
		{"  ```\nan indented fence\n  ```", 0},
		{"- a list\n- | table | 2 |\n---\n**bold** 3.5 ms", 7},
	} {
		if got := proseWords(tt.md); got != tt.want {
			t.Errorf("proseWords(%q) = %d, want %d", tt.md, got, tt.want)
		}
	}
}

func TestCodeLines(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want int
	}{
		{"", 0},
		{"x := 1", 1},
		{"x := 1\n", 1},
		{"a\nb\n\nc", 4},
	} {
		if got := codeLines(tt.src); got != tt.want {
			t.Errorf("codeLines(%q) = %d, want %d", tt.src, got, tt.want)
		}
	}
}

func TestTiming(t *testing.T) {
	cpus := "\nfmt.Println(runtime.NumCPU(), runtime.GOMAXPROCS(0))"
	for _, tt := range []struct {
		src              string
		timed, showsCPUs bool
	}{
		{"fmt.Println(1)", false, false},
		{"start := time.Now()\nwork()\nfmt.Println(time.Since(start))", true, false},
		{"start := time.Now()\nwork()\nfmt.Println(time.Since(start))" + cpus, true, true},
		{"d := end.Sub(start)", true, false},
		{"func measure() time.Duration {\n\treturn time.Until(deadline)\n}", true, false},
		{"fmt.Println(time.Since(start), runtime.NumCPU())", true, false},
		{"fmt.Println(time.Since(start), runtime.NumCPU(), runtime.GOMAXPROCS(4))", true, false},
		{"// time.Since(start) in a comment\nfmt.Println(\"time.Since(start)\")", false, false},
		{"x := a.Sub(b, c)", false, false},
		{"fmt.Println(runtime.NumCPU(), runtime.GOMAXPROCS(0))", false, true},
	} {
		timed, shows := timing(tt.src)
		if timed != tt.timed || shows != tt.showsCPUs {
			t.Errorf("timing(%q) = %v, %v; want %v, %v", tt.src, timed, shows, tt.timed, tt.showsCPUs)
		}
	}
}

func TestLimitProblems(t *testing.T) {
	many := func(n int, src string) []string {
		var s []string
		for range n {
			s = append(s, src)
		}
		return s
	}
	lines := func(n int) string { return strings.Repeat("x++\n", n) }
	words := func(n int) string { return strings.Repeat("word ", n) }
	md := func(src string) *notebook.Cell { return &notebook.Cell{Type: notebook.MarkdownCell, Source: src} }
	tests := []struct {
		name string
		nb   string
		make func() *notebook.Notebook
		want []string
	}{
		{"within limits", "01-x.ipynb", func() *notebook.Notebook { return codeNotebook(many(50, lines(40))...) }, nil},
		{"a long code cell", "01-x.ipynb", func() *notebook.Notebook { return codeNotebook("x := 1", lines(41)) },
			[]string{"01-x.ipynb: cell 2 has 41 lines of code, more than 40"}},
		{"too many cells", "03-x.ipynb", func() *notebook.Notebook { return codeNotebook(many(51, "x := 1")...) },
			[]string{"03-x.ipynb has 51 cells, more than 50"}},
		{"00 is short", "00-x.ipynb", func() *notebook.Notebook { return codeNotebook(many(23, "x := 1")...) },
			[]string{"00-x.ipynb has 23 cells, more than 22"}},
		{"00 at its limit", "00-x.ipynb", func() *notebook.Notebook { return codeNotebook(many(22, "x := 1")...) }, nil},
		{"too many words", "05-x.ipynb", func() *notebook.Notebook {
			nb := codeNotebook()
			nb.Cells = append(nb.Cells, md(words(3000)), md(words(1001)+"\n```\n"+words(100)+"\n```"))
			return nb
		}, []string{"05-x.ipynb has 4001 words of prose, more than 4000"}},
		{"04 may say more", "04-x.ipynb", func() *notebook.Notebook {
			nb := codeNotebook()
			nb.Cells = append(nb.Cells, md(words(5000)))
			return nb
		}, nil},
		{"04 within its own limit", "04-x.ipynb", func() *notebook.Notebook {
			nb := codeNotebook()
			nb.Cells = append(nb.Cells, md(words(5001)))
			return nb
		}, []string{"04-x.ipynb has 5001 words of prose, more than 5000"}},
		{"a timing without the CPUs", "02-x.ipynb", func() *notebook.Notebook {
			return codeNotebook("start := time.Now()\nfmt.Println(time.Since(start), runtime.NumCPU(), runtime.GOMAXPROCS(0))",
				"start := time.Now()\nfmt.Println(time.Since(start))")
		}, []string{"02-x.ipynb: cell 2 measures time but does not print runtime.NumCPU() and runtime.GOMAXPROCS(0)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := limitProblems(tt.nb, tt.make())
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i+1, got[i], w)
				}
			}
		})
	}
}
