package notebooks_test

import (
	"cmp"
	"context"
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
	"sync"
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

// A step is one execution of a notebook's exercise run.
type step struct {
	cell   int    // the notebook's cell whose place it takes
	source string // the code run
	// variant says which code the step runs: "as committed" or "with the
	// reference solutions"; it starts the problems the step finds.
	variant string
	starts  *courseExercise // the exercise whose starting code this is
	solves  *courseExercise // the exercise whose reference solution this is
	checks  *courseExercise // the exercise this check cell checks
	want    bool            // the verdict the check must give
}

// planRun returns the steps that check a notebook's exercises in one
// kernel. Its cells run in order, as far as the last check cell, but only
// those the exercise and check cells need (see neededCells, with either
// the starting code or the solutions in the exercise cells): the
// starting code of each exercise, then its check cells, which must say
// "not yet". After its last check cell come its reference solution and
// its check cells again, which must now pass; later cells build on the
// solution, as a learner's do. Every run of a cell is a fresh process, so
// what the checks see of earlier cells is their declarations, which the
// solution's replace.
func planRun(name string, nb *notebook.Notebook, exs []*courseExercise, solutions string) ([]step, error) {
	const committed, solved = "as committed", "with the reference solutions"
	stem := strings.TrimSuffix(filepath.Base(name), ".ipynb")
	starts, checks := map[int]*courseExercise{}, map[int]*courseExercise{}
	solution := map[*courseExercise]string{}
	last := 0
	for _, e := range exs {
		starts[e.cell] = e
		for _, c := range e.checks {
			checks[c] = e
			last = max(last, c)
		}
		b, err := os.ReadFile(filepath.Join(solutions, stem, e.name+".go"))
		if err != nil {
			return nil, err
		}
		solution[e] = string(b)
	}
	asCommitted := make([]*string, len(nb.Cells))
	asSolved := make([]*string, len(nb.Cells))
	targets := map[int]bool{}
	for i, c := range nb.Cells {
		if !nbrun.Runs(c) {
			continue
		}
		src, sol := c.Source, c.Source
		if e := starts[i]; e != nil {
			sol = solution[e]
		}
		asCommitted[i], asSolved[i] = &src, &sol
		targets[i] = starts[i] != nil || checks[i] != nil
	}
	needed := neededCells(asCommitted, targets)
	maps.Copy(needed, neededCells(asSolved, targets))
	var steps []step
	variant := committed
	for i := 0; i <= last; i++ {
		if !needed[i] {
			continue
		}
		src := nb.Cells[i].Source
		e := checks[i]
		switch {
		case starts[i] != nil:
			steps = append(steps, step{cell: i, source: src, variant: committed, starts: starts[i]})
		case e != nil:
			steps = append(steps, step{cell: i, source: src, variant: committed, checks: e})
			if i == e.checks[len(e.checks)-1] {
				steps = append(steps, step{cell: e.cell, source: solution[e], variant: solved, solves: e})
				for _, c := range e.checks {
					steps = append(steps, step{cell: c, source: nb.Cells[c].Source, variant: solved, checks: e, want: true})
				}
				variant = solved
			}
		default:
			steps = append(steps, step{cell: i, source: src, variant: variant})
		}
	}
	return steps, nil
}

// runSteps executes a notebook's steps in kernel k and returns what went
// wrong, and how many cells ran. A cell that fails (other than one tagged
// raises-exception) is a problem; after the starting code of an exercise
// fails, its checks on the starting code do not run, nor its checks after
// a solution that fails; after any other cell fails, nothing more runs.
func runSteps(ctx context.Context, k nbrun.Kernel, name string, nb *notebook.Notebook, steps []step) (problems []string, cells int) {
	// The recorder writes each step's outputs into a copy of its cell.
	scratch := *nb
	scratch.Cells = make([]*notebook.Cell, len(nb.Cells))
	for i, c := range nb.Cells {
		cp := *c
		scratch.Cells[i] = &cp
	}
	rec := notebook.NewRecorder(&scratch)
	broken := map[*courseExercise]string{} // exercise → the variant that failed
	for _, st := range steps {
		if e := st.checks; e != nil && broken[e] == st.variant {
			continue
		}
		rec.Start(st.cell)
		cellCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		ex, err := k.Execute(cellCtx, st.source)
		cancel()
		cells++
		if err != nil {
			return append(problems, fmt.Sprintf("%s %s: cell %d: %v", name, st.variant, st.cell+1, err)), cells
		}
		for _, m := range ex.Messages {
			if err := rec.Add(m); err != nil {
				return append(problems, fmt.Sprintf("%s %s: cell %d: %v", name, st.variant, st.cell+1, err)), cells
			}
		}
		if ex.Status != "ok" && !(ex.Status == "error" && nb.Cells[st.cell].HasTag(nbrun.TagRaisesException)) {
			problems = append(problems, fmt.Sprintf("%s %s: cell %d failed: %s: %s", name, st.variant, st.cell+1, ex.EName, ex.EValue))
			switch {
			case st.starts != nil:
				broken[st.starts] = st.variant
			case st.solves != nil:
				broken[st.solves] = st.variant
			case st.checks == nil:
				return problems, cells
			}
			continue
		}
		e := st.checks
		if e == nil {
			continue
		}
		all, texts := verdicts(scratch.Cells[st.cell], !st.want)
		got := all[e.name]
		say := "passes on the starting code: the exercise starts solved"
		if st.want {
			say = "does not pass on the reference solution"
		}
		switch {
		case len(got) == 0:
			problems = append(problems, fmt.Sprintf("%s %s: cell %d showed no check of %q", name, st.variant, st.cell+1, e.name))
		case slices.Contains(got, !st.want):
			problems = append(problems, fmt.Sprintf("%s: cell %d, the check of %q %s: %s", name, st.cell+1, e.name, say, strings.Join(texts, "; ")))
		}
	}
	return problems, cells
}

// jobs is how many notebooks the exercise runs execute at a time, each
// in its own kernel: cells mostly wait for the go command, which uses
// every core.
const jobs = 2

// runExercises runs the checks of every notebook in the kernel bin,
// started in workDir, one kernel per notebook (see planRun): on the
// starting code every check must say "not yet", with the reference
// solutions every check must pass. It returns what went wrong, by
// notebook, and how long the runs took.
func runExercises(t *testing.T, bin, workDir string, nbs map[string]*notebook.Notebook, solutions string) ([]string, time.Duration) {
	t.Helper()
	type run struct {
		name     string
		steps    []step
		problems []string
		cells    int
	}
	var runs []*run
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(nbs)) {
		stem := strings.TrimSuffix(filepath.Base(name), ".ipynb")
		exs, p := exercisesOf(name, nbs[name], filepath.Join(solutions, stem))
		if len(p) > 0 {
			problems = append(problems, p...)
			continue
		}
		if len(exs) == 0 {
			continue
		}
		steps, err := planRun(name, nbs[name], exs, solutions)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, &run{name: name, steps: steps})
	}
	start := nbrun.StartProcess(bin)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	began := time.Now()
	// The longest runs go first, so that the last to end is a short one.
	next := make(chan *run, len(runs))
	for _, r := range slices.SortedStableFunc(slices.Values(runs), func(a, b *run) int { return cmp.Compare(len(b.steps), len(a.steps)) }) {
		next <- r
	}
	close(next)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for r := range next {
				k, err := start(ctx, workDir)
				if err != nil {
					r.problems = []string{fmt.Sprintf("%s: starting a kernel: %v", r.name, err)}
					continue
				}
				r.problems, r.cells = runSteps(ctx, k, r.name, nbs[r.name], r.steps)
				if err := k.Close(); err != nil {
					r.problems = append(r.problems, fmt.Sprintf("%s: shutting the kernel down: %v", r.name, err))
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	cells := 0
	for _, r := range runs {
		problems = append(problems, r.problems...)
		cells += r.cells
	}
	t.Logf("%d notebooks, %d cells executed, %d at a time", len(runs), cells, jobs)
	return problems, took
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
	t.Parallel()
	bin := buildKernel(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	problems, took := runExercises(t, bin, wd, course(t), solutionsDir)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("ran the checks of the course in %v", took.Round(time.Second))
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
	t.Parallel()
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
		`03-wrong-solution.ipynb: cell 2, the check of "ex1-double" does not pass on the reference solution: ✘ ex1-double: not yet (got 22). Hint: multiply by two`,
		`04-start-fails.ipynb as committed: cell 1 failed: CompileError: `,
		`05-check-shows-none.ipynb as committed: cell 2 showed no check of "ex1-double"`,
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
	t.Logf("ran the checks of %d fixture notebooks in %v", len(nbs), took.Round(time.Millisecond))
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
