package notebooks_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/exercise"
	"asyncgo/kernel/cell"
	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

// solutionsDir holds the reference solutions of the exercises:
// solutions/<notebook file name without .ipynb>/<exercise name>.go is the
// full replacement source of the exercise's starting cell. It is a Go
// module of its own (solutions/go.mod), so that the go command, which
// cannot build cell sources, leaves it alone.
const solutionsDir = "solutions"

// exerciseName is the form of an exercise's name: short kebab-case.
var exerciseName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// courseExercise is one exercise of a notebook.
type courseExercise struct {
	name   string
	cell   int   // index of the starting cell
	checks []int // indexes of its check cells, after the starting cell
}

// asyncgoMeta returns the cell's metadata asyncgo.<key>, or "".
func asyncgoMeta(c *notebook.Cell, key string) string {
	m, _ := c.Metadata["asyncgo"].(map[string]any)
	s, _ := m[key].(string)
	return s
}

// checkedNames returns the string literals given as the first argument of
// exercise.Check, exercise.Equal and exercise.Between in a cell.
func checkedNames(src string) []string {
	_, f, err := parseCell(src)
	if err != nil {
		return nil
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			// exercise.Equal[int](...) is an index expression.
			if ix, isIndex := call.Fun.(*ast.IndexExpr); isIndex {
				sel, ok = ix.X.(*ast.SelectorExpr)
			}
		}
		if !ok {
			return true
		}
		if q, ok := sel.X.(*ast.Ident); !ok || q.Name != "exercise" ||
			!slices.Contains([]string{"Check", "Equal", "Between"}, sel.Sel.Name) {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				names = append(names, s)
			}
		}
		return true
	})
	return names
}

// exercisesOf finds a notebook's exercises and what is wrong with them by
// the contract: names, check cells, and solution files in dir (the
// notebook's directory under solutionsDir).
func exercisesOf(name string, nb *notebook.Notebook, dir string) ([]*courseExercise, []string) {
	var exs []*courseExercise
	var problems []string
	byName := map[string]*courseExercise{}
	for i, c := range nb.Cells {
		if ex := asyncgoMeta(c, "exercise"); ex != "" {
			switch {
			case c.Type != notebook.CodeCell || !nbrun.Runs(c):
				problems = append(problems, fmt.Sprintf("%s: cell %d, exercise %q: the starting cell must be a code cell that runs", name, i+1, ex))
			case !exerciseName.MatchString(ex):
				problems = append(problems, fmt.Sprintf("%s: cell %d: exercise name %q is not short kebab-case (ex1-fan-out)", name, i+1, ex))
			case byName[ex] != nil:
				problems = append(problems, fmt.Sprintf("%s: cell %d: a second exercise called %q (cell %d is the first): names are unique in a notebook", name, i+1, ex, byName[ex].cell+1))
			default:
				e := &courseExercise{name: ex, cell: i}
				byName[ex] = e
				exs = append(exs, e)
			}
		}
		if ch := asyncgoMeta(c, "check"); ch != "" {
			e := byName[ch]
			switch {
			case e == nil:
				problems = append(problems, fmt.Sprintf("%s: cell %d checks exercise %q, but no cell before it starts that exercise (metadata asyncgo.exercise)", name, i+1, ch))
			case c.Type != notebook.CodeCell || !nbrun.Runs(c):
				problems = append(problems, fmt.Sprintf("%s: cell %d, check of %q: a check cell must be a code cell that runs", name, i+1, ch))
			case !slices.Contains(checkedNames(c.Source), ch):
				problems = append(problems, fmt.Sprintf("%s: cell %d, check of %q: it calls no exercise.Check, Equal or Between with %q as first argument", name, i+1, ch, ch))
			default:
				e.checks = append(e.checks, i)
			}
		}
	}
	for _, e := range exs {
		if len(e.checks) == 0 {
			problems = append(problems, fmt.Sprintf("%s: exercise %q (cell %d) has no check cell: add a later code cell with metadata asyncgo.check = %q", name, e.name, e.cell+1, e.name))
		}
		if _, err := os.Stat(filepath.Join(dir, e.name+".go")); err != nil {
			problems = append(problems, fmt.Sprintf("%s: exercise %q has no reference solution: write the solved starting cell to %s", name, e.name, filepath.Join(dir, e.name+".go")))
		}
	}
	// Solution files of exercises that do not exist.
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		ex, ok := strings.CutSuffix(f.Name(), ".go")
		if !ok || f.IsDir() || byName[ex] == nil {
			problems = append(problems, fmt.Sprintf("%s: %s is no exercise's solution: name it after an exercise (NAME.go) or remove it", name, filepath.Join(dir, f.Name())))
		}
	}
	return exs, problems
}

// exerciseProblems checks every notebook's exercises against the
// contract, and that every directory under solutions belongs to a
// notebook.
func exerciseProblems(nbs map[string]*notebook.Notebook, solutions string) []string {
	var problems []string
	stems := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(nbs)) {
		stem := strings.TrimSuffix(filepath.Base(name), ".ipynb")
		stems[stem] = true
		_, p := exercisesOf(name, nbs[name], filepath.Join(solutions, stem))
		problems = append(problems, p...)
	}
	entries, _ := os.ReadDir(solutions)
	for _, e := range entries {
		if e.Name() == "go.mod" {
			continue
		}
		if !e.IsDir() || !stems[e.Name()] {
			problems = append(problems, fmt.Sprintf("%s is not a notebook's solutions: solutions live in %s/<notebook name without .ipynb>/", filepath.Join(solutions, e.Name()), solutions))
		}
	}
	return problems
}

func TestExercisesFollowTheContract(t *testing.T) {
	for _, p := range exerciseProblems(course(t), solutionsDir) {
		t.Error(p)
	}
}

// cellForRun returns a copy of c that the run executes only when run is
// set, and with source src.
func cellForRun(c *notebook.Cell, src string, run bool) *notebook.Cell {
	cp := *c
	cp.Source = src
	cp.Outputs = nil
	cp.Metadata = maps.Clone(c.Metadata)
	if !run {
		cp.Metadata["tags"] = append(slices.Clone(c.Tags()), nbrun.TagSkipExecution)
	}
	return &cp
}

// cellNeeds is what a cell leaves to later cells and what it uses.
type cellNeeds struct {
	always   bool            // magics, imports, shell lines, init, blank declarations, or no parse
	declares []string        // keys of its declarations: names, and T.M for methods
	uses     map[string]bool // every identifier in it
}

func needsOf(src string) cellNeeds {
	c, err := cell.Parse(src)
	if err != nil {
		return cellNeeds{always: true}
	}
	n := cellNeeds{always: len(c.Imports) > 0 || len(c.Magics) > 0 || len(c.Shell) > 0, uses: map[string]bool{}}
	for _, d := range c.Decls {
		for _, k := range d.Keys {
			n.always = n.always || k == "init" || strings.HasPrefix(k, "_:")
			n.declares = append(n.declares, k)
		}
	}
	if _, f, err := parseCell(src); err == nil {
		ast.Inspect(f, func(node ast.Node) bool {
			if id, ok := node.(*ast.Ident); ok {
				n.uses[id.Name] = true
			}
			return true
		})
	}
	return n
}

// neededCells returns which of the cells (sources, nil for a cell that
// does not run) must run before the target cells for these to run as they
// would in the whole notebook. Every run of a cell is a fresh process, so
// only declarations, imports, magics and shell commands outlast it: a cell
// is needed when it declares a name that a target or another needed cell
// uses (a method when its type is used), or when it has imports, magics,
// shell lines, init or blank declarations. Names are matched without type
// information, so a few cells more than needed may run.
func neededCells(sources []*string, targets map[int]bool) map[int]bool {
	needed := map[int]bool{}
	want := map[string]bool{}
	last := -1
	for i := range targets {
		last = max(last, i)
	}
	needs := make([]cellNeeds, last+1)
	for i := 0; i <= last; i++ {
		if sources[i] != nil {
			needs[i] = needsOf(*sources[i])
		}
	}
	// Until nothing changes: a cell of methods may come between the cell
	// that declares their type and the one that uses them.
	for changed := true; changed; {
		changed = false
		for i := last; i >= 0; i-- {
			if sources[i] == nil || needed[i] {
				continue
			}
			n := needs[i]
			use := targets[i] || n.always
			for _, k := range n.declares {
				typ, _, isMethod := strings.Cut(k, ".")
				use = use || want[k] || isMethod && want[typ]
			}
			if use {
				needed[i], changed = true, true
				for id := range n.uses {
					want[id] = true
				}
			}
		}
	}
	return needed
}

// exerciseRun is a copy of a notebook made for one run of its checks.
type exerciseRun struct {
	notebook string // the course notebook
	solved   bool   // whether the starting cells hold the solutions
	path     string // the copy
	exs      []*courseExercise
}

// prepareRun writes the copy of nb that runs its checks: the exercise
// cells, the check cells and the cells before them that these need (see
// neededCells); with solved, each exercise cell holds its reference
// solution.
func prepareRun(name string, nb *notebook.Notebook, exs []*courseExercise, solutions, dir string, solved bool) (*exerciseRun, error) {
	last := 0
	role := map[int]*courseExercise{}
	for _, e := range exs {
		role[e.cell] = e
		for _, c := range e.checks {
			last = max(last, c)
			role[c] = e
		}
	}
	stem := strings.TrimSuffix(filepath.Base(name), ".ipynb")
	sources := make([]*string, len(nb.Cells))
	targets := map[int]bool{}
	for i, c := range nb.Cells {
		if !nbrun.Runs(c) {
			continue
		}
		src := c.Source
		if e := role[i]; solved && e != nil && e.cell == i {
			b, err := os.ReadFile(filepath.Join(solutions, stem, e.name+".go"))
			if err != nil {
				return nil, err
			}
			src = string(b)
		}
		sources[i] = &src
		targets[i] = role[i] != nil
	}
	run := neededCells(sources, targets)
	cp := *nb
	cp.Cells = nil
	for i, c := range nb.Cells {
		src := c.Source
		if sources[i] != nil {
			src = *sources[i]
		}
		cp.Cells = append(cp.Cells, cellForRun(c, src, run[i] && i <= last))
	}
	variant := "committed"
	if solved {
		variant = "solved"
	}
	r := &exerciseRun{notebook: name, solved: solved, exs: exs, path: filepath.Join(dir, stem+"."+variant+".ipynb")}
	return r, notebook.WriteFile(r.path, &cp)
}

// verdicts returns the check results a cell's outputs show, by exercise
// name, and the text of the checks that said wrong (passed or not).
func verdicts(c *notebook.Cell, wrong bool) (map[string][]bool, []string) {
	v := map[string][]bool{}
	var texts []string
	for _, o := range c.Outputs {
		m, _ := o.Metadata[exercise.MetadataKey].(map[string]any)
		name, _ := m["name"].(string)
		if passed, ok := m["passed"].(bool); ok {
			v[name] = append(v[name], passed)
			if text, _ := o.Data["text/plain"].(string); passed == wrong {
				texts = append(texts, strings.TrimSpace(text))
			}
		}
	}
	return v, texts
}

// jobs is how many notebooks the exercise runs execute at a time, each
// in its own kernel: cells mostly wait for the go command, which uses
// every core.
const jobs = 2

// runExercises runs the checks of every notebook twice in the kernel
// bin, started in workDir: as committed, where every check must report
// "not yet", and with the reference solutions, where every check must
// pass. It returns what went wrong and how long the runs took.
func runExercises(t *testing.T, bin, workDir string, nbs map[string]*notebook.Notebook, solutions string) ([]string, time.Duration) {
	t.Helper()
	tmp := t.TempDir()
	var runs []*exerciseRun
	var problems []string
	// The runs as committed go first: the runs with solutions then find
	// the cells before each exercise already built in the kernel's cache.
	for _, solved := range []bool{false, true} {
		for _, name := range slices.Sorted(maps.Keys(nbs)) {
			stem := strings.TrimSuffix(filepath.Base(name), ".ipynb")
			exs, p := exercisesOf(name, nbs[name], filepath.Join(solutions, stem))
			if len(p) > 0 {
				if !solved {
					problems = append(problems, p...)
				}
				continue
			}
			if len(exs) == 0 {
				continue
			}
			r, err := prepareRun(name, nbs[name], exs, solutions, tmp, solved)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return problems, 0
	}
	var paths []string
	for _, r := range runs {
		paths = append(paths, r.path)
	}
	out := filepath.Join(tmp, "out")
	start := nbrun.StartProcess(bin)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	sum, err := nbrun.Run(ctx, nbrun.Options{
		Paths:   paths,
		OutDir:  out,
		Timeout: 2 * time.Minute,
		Jobs:    jobs,
		Start: func(ctx context.Context, _ string) (nbrun.Kernel, error) {
			return start(ctx, workDir)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		variant, want, say := "as committed", false, "passes on the starting code: the exercise starts solved"
		if r.solved {
			variant, want, say = "with the reference solutions", true, "does not pass on the reference solution"
		}
		if err := sum.Results[i].Err; err != nil {
			var ce *nbrun.CellError
			if errors.As(err, &ce) {
				problems = append(problems, fmt.Sprintf("%s %s: cell %d failed: %s: %s", r.notebook, variant, ce.Cell, ce.EName, ce.EValue))
			} else {
				problems = append(problems, fmt.Sprintf("%s %s: %v", r.notebook, variant, err))
			}
			continue
		}
		ran, err := notebook.ReadFile(filepath.Join(out, filepath.Base(r.path)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.exs {
			for _, c := range e.checks {
				all, texts := verdicts(ran.Cells[c], !want)
				got := all[e.name]
				switch {
				case len(got) == 0:
					problems = append(problems, fmt.Sprintf("%s %s: cell %d showed no check of %q", r.notebook, variant, c+1, e.name))
				case slices.Contains(got, !want):
					problems = append(problems, fmt.Sprintf("%s: cell %d, the check of %q %s: %s",
						r.notebook, c+1, e.name, say, strings.Join(texts, "; ")))
				}
			}
		}
	}
	cells := 0
	for _, r := range sum.Results {
		cells += r.Cells
	}
	t.Logf("%d runs of %d notebooks, %d cells executed, %d at a time", len(runs), len(runs)/2, cells, jobs)
	return problems, sum.Elapsed
}

// buildKernel builds gokernel from this repository, or skips the test.
func buildKernel(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs notebooks in the real kernel; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build gokernel")
	}
	bin := filepath.Join(t.TempDir(), "gokernel")
	if out, err := exec.Command(gobin, "build", "-o", bin, "asyncgo/kernel/cmd/gokernel").CombinedOutput(); err != nil {
		t.Fatalf("building gokernel: %v\n%s", err, out)
	}
	return bin
}

// TestExercisesCheck runs every notebook's checks against its starting
// code (each must say "not yet") and its reference solutions (each must
// pass), in the real kernel.
func TestExercisesCheck(t *testing.T) {
	bin := buildKernel(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	problems, took := runExercises(t, bin, wd, course(t), solutionsDir)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("ran the checks of the course twice in %v", took.Round(time.Second))
}

// fixture is a notebook for the tests of the exercise checks, built from
// cells given as "exercise NAME:", "check NAME:" or "" followed by the
// cell's source.
func fixture(cells ...string) *notebook.Notebook {
	nb := notebook.New()
	nb.Metadata["kernelspec"] = map[string]any{"name": "gokernel", "display_name": "Go", "language": "go"}
	for _, spec := range cells {
		role, src, _ := strings.Cut(spec, ":")
		c := &notebook.Cell{Type: notebook.CodeCell, Source: src, Metadata: map[string]any{}}
		if kind, name, ok := strings.Cut(role, " "); ok {
			c.Metadata["asyncgo"] = map[string]any{kind: name}
		}
		if role == "markdown" {
			c.Type = notebook.MarkdownCell
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb
}

// writeSolutions writes solution files under a new solutions directory:
// files maps "stem/NAME.go" to its source.
func writeSolutions(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	doubleStart  = "exercise ex1-double:func double(x int) int {\n\treturn 0 // your code here\n}"
	doubleCheck  = `check ex1-double:exercise.Equal("ex1-double", double(21), 42, "multiply by two")`
	doubleSolved = "func double(x int) int {\n\treturn 2 * x\n}"
)

func TestExerciseProblems(t *testing.T) {
	tests := []struct {
		name      string
		cells     []string
		solutions map[string]string
		want      []string // substrings, one per problem
	}{
		{"exercise, check and solution", []string{doubleStart, "", doubleCheck},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, nil},
		{"no exercises at all", []string{":fmt.Println(1)"}, nil, nil},
		{"generic call as the check", []string{doubleStart, `check ex1-double:exercise.Equal[int]("ex1-double", double(2), 4, "h")`},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, nil},
		{"no check cell", []string{doubleStart},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, []string{`exercise "ex1-double" (cell 1) has no check cell`}},
		{"check before its exercise", []string{doubleCheck, doubleStart, doubleCheck},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, []string{`cell 1 checks exercise "ex1-double", but no cell before it starts`}},
		{"check cell calling another name", []string{doubleStart, `check ex1-double:exercise.Check("Exercise 1", double(2) == 4, "h")`},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, []string{
				`cell 2, check of "ex1-double": it calls no exercise.Check, Equal or Between with "ex1-double"`,
				`exercise "ex1-double" (cell 1) has no check cell`}},
		{"no solution", []string{doubleStart, doubleCheck}, nil,
			[]string{`exercise "ex1-double" has no reference solution: write the solved starting cell to `}},
		{"orphan solution file", []string{doubleStart, doubleCheck},
			map[string]string{"01-x/ex1-double.go": doubleSolved, "01-x/ex2-old.go": "x := 1"},
			[]string{filepath.Join("01-x", "ex2-old.go") + " is no exercise's solution"}},
		{"orphan solutions directory", []string{doubleStart, doubleCheck},
			map[string]string{"01-x/ex1-double.go": doubleSolved, "09-gone/ex1.go": "x := 1", "go.mod": "module m\n"},
			[]string{"09-gone is not a notebook's solutions"}},
		{"name not kebab-case", []string{"exercise Exercise 1:x := 1"}, nil,
			[]string{`exercise name "Exercise 1" is not short kebab-case`}},
		{"name twice", []string{doubleStart, doubleCheck, doubleStart},
			map[string]string{"01-x/ex1-double.go": doubleSolved}, []string{`cell 3: a second exercise called "ex1-double" (cell 1 is the first)`}},
		{"exercise in a markdown cell", []string{"markdown:", doubleCheck}, nil, []string{
			`cell 2 checks exercise "ex1-double", but no cell before it starts`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := fixture(tt.cells...)
			if tt.cells[0] == "markdown:" {
				nb.Cells[0].Metadata["asyncgo"] = map[string]any{"exercise": "ex1-double"}
				tt.want = append([]string{`cell 1, exercise "ex1-double": the starting cell must be a code cell`}, tt.want...)
			}
			dir := writeSolutions(t, tt.solutions)
			got := exerciseProblems(map[string]*notebook.Notebook{"01-x.ipynb": nb}, dir)
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

// TestExercisesCheckFixtures runs the checks of small notebooks in the
// real kernel: one whose exercise is right, one that starts solved, one
// whose reference solution is wrong.
func TestExercisesCheckFixtures(t *testing.T) {
	bin := buildKernel(t)
	nbs := map[string]*notebook.Notebook{
		// Cells that declare nothing the checks use do not run, nor does
		// the cell after the last check.
		"01-good.ipynb": fixture(`:fmt.Println("hello")`, ":func unused() int { return 1 }\npanic(\"declares nothing the checks use\")",
			doubleStart, `:panic("statements only: not needed")`,
			doubleCheck, "exercise ex2-guess:var guess = 0",
			"check ex2-guess:if exercise.Check(\"ex2-guess\", guess == 6*7, \"multiply\") {\n\tfmt.Println(\"on\")\n}",
			`:panic("after the last check")`),
		"02-starts-solved.ipynb":    fixture("exercise ex1-double:"+doubleSolved, doubleCheck),
		"03-wrong-solution.ipynb":   fixture(doubleStart, doubleCheck),
		"04-start-fails.ipynb":      fixture("exercise ex1-double:func double(x int) int { return y }", doubleCheck),
		"05-check-shows-none.ipynb": fixture(doubleStart, "check ex1-double:if false {\n\texercise.Check(\"ex1-double\", true, \"h\")\n}"),
	}
	solutions := writeSolutions(t, map[string]string{
		"01-good/ex1-double.go":             doubleSolved,
		"01-good/ex2-guess.go":              "var guess = 42",
		"02-starts-solved/ex1-double.go":    doubleSolved,
		"03-wrong-solution/ex1-double.go":   "func double(x int) int {\n\treturn x + 1\n}",
		"04-start-fails/ex1-double.go":      doubleSolved,
		"05-check-shows-none/ex1-double.go": doubleSolved,
	})
	problems, took := runExercises(t, bin, t.TempDir(), nbs, solutions)
	want := []string{
		`02-starts-solved.ipynb: cell 2, the check of "ex1-double" passes on the starting code`,
		`04-start-fails.ipynb as committed: cell 1 failed: CompileError: `,
		`05-check-shows-none.ipynb as committed: cell 2 showed no check of "ex1-double"`,
		`03-wrong-solution.ipynb: cell 2, the check of "ex1-double" does not pass on the reference solution: ✘ ex1-double: not yet (got 22). Hint: multiply by two`,
		`05-check-shows-none.ipynb with the reference solutions: cell 2 showed no check of "ex1-double"`,
	}
	if len(problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(problems[i], w) {
			t.Errorf("problem %d = %q, want it to contain %q", i+1, problems[i], w)
		}
	}
	t.Logf("ran %d fixture notebooks twice in %v", len(nbs), took.Round(time.Millisecond))
}

func TestNeededCells(t *testing.T) {
	src := func(s string) *string { return &s }
	sources := []*string{
		0: src("type cook struct{ name string }\ntype kitchen []cook\ntype staff struct{ all kitchen }"),
		// Methods between their type and their use, which names neither.
		1:  src("func (k kitchen) Len() int { return len(k) }\nfunc (k kitchen) Less(i, j int) bool { return false }"),
		2:  src("func unused() {}"),
		3:  src("%env A=1"),
		4:  src("fmt.Println(\"statements only\")"),
		5:  nil, // a cell that does not run
		6:  src("func menu(s staff) int { return sort.Reverse(s.all).Len() }"),
		7:  src("var answer = 0 // the exercise"),
		8:  src("func after() {}"),
		9:  src("exercise.Check(\"ex\", answer == menu(staff{}), \"h\")"),
		10: src("var later = 1"),
	}
	got := neededCells(sources, map[int]bool{7: true, 9: true})
	want := map[int]bool{0: true, 1: true, 3: true, 6: true, 7: true, 9: true}
	if !maps.Equal(got, want) {
		t.Errorf("needed cells %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}
