package notebooks_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

// Concurrency constructs, in the order the course introduces them.
const (
	goStmt      = "the go statement"
	waitGroup   = "sync.WaitGroup"
	channels    = "channels (make(chan T), send, receive, close, range, chan types)"
	buffered    = "buffered channels (make(chan T, n) with n > 0)"
	selectStmt  = "select"
	timeAfter   = "time.After"
	contextPkg  = "context"
	mutex       = "sync.Mutex / sync.RWMutex"
	atomicPkg   = "sync/atomic"
	ticker      = "time.Ticker / time.NewTicker / time.Tick"
	errgroupPkg = "errgroup"
	once        = "sync.Once (OnceFunc, OnceValue, OnceValues)"
	cond        = "sync.Cond"
)

// introducedIn says which notebook (by its number, the first two
// characters of its file name) introduces each construct: the table of
// the course's contract. A construct may appear in that notebook's code
// cells and later ones, never earlier.
var introducedIn = map[string]string{
	goStmt:      "00",
	waitGroup:   "00",
	channels:    "02",
	buffered:    "02",
	selectStmt:  "04",
	timeAfter:   "04",
	contextPkg:  "04",
	mutex:       "04",
	atomicPkg:   "04",
	ticker:      "05",
	errgroupPkg: "06",
	once:        "06",
	cond:        "06",
}

// use is one place a cell uses a construct.
type use struct {
	construct string
	line      int // in the cell, from 1
}

// parseCell parses a code cell the way the kernel does (magics and shell
// lines on top, then declarations and statements) into one Go file whose
// positions are lines of the cell: its imports and declarations, and its
// statements as the body of a function.
func parseCell(src string) (*token.FileSet, *ast.File, error) {
	c, err := cell.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	b.WriteString("package p\n")
	at := func(line, col int) { fmt.Fprintf(&b, "/*line cell:%d:%d*/", line, col) }
	for _, im := range c.Imports {
		at(im.Line, im.Col)
		fmt.Fprintf(&b, "import %s %q\n", im.Name, im.Path)
	}
	for _, d := range c.Decls {
		at(d.Line, d.Col)
		b.WriteString(d.Src + "\n")
	}
	b.WriteString("func _() {\n")
	for _, s := range c.Body {
		at(s.Line, s.Col)
		b.WriteString(s.Src + "\n")
	}
	if c.Last != nil {
		at(c.Last.Line, c.Last.Col)
		b.WriteString(c.Last.Src + "\n")
	}
	b.WriteString("}\n")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", b.String(), parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the cell's parts again: %w", err)
	}
	return fset, f, nil
}

// packageOf names the package a qualifier stands for in a cell: an
// explicit import's path, or the one the kernel imports on its own.
func packageOf(qualifier string, imports map[string]string) string {
	if p, ok := imports[qualifier]; ok {
		return p
	}
	switch qualifier {
	case "sync", "time", "context":
		return qualifier
	case "atomic":
		return "sync/atomic"
	case "errgroup":
		return "golang.org/x/sync/errgroup"
	}
	return ""
}

// constructsIn returns the constructs a code cell uses, in source order.
// chans holds the names known to be channels in earlier cells of the
// notebook; the cell adds its own, so that a range over one of them is
// seen as a range over a channel.
func constructsIn(src string, chans map[string]bool) ([]use, error) {
	fset, f, err := parseCell(src)
	if err != nil {
		return nil, err
	}
	imports := map[string]string{}
	var uses []use
	add := func(n ast.Node, construct string) {
		uses = append(uses, use{construct, fset.Position(n.Pos()).Line})
	}
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = path
		switch {
		case path == "context":
			add(im, contextPkg)
		case path == "sync/atomic":
			add(im, atomicPkg)
		case strings.HasSuffix(path, "/errgroup"):
			add(im, errgroupPkg)
		}
	}
	// isChan reports whether an expression is known to be a channel.
	isChan := func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			return chans[e.Name]
		case *ast.CallExpr:
			if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "make" && len(e.Args) > 0 {
				_, ok := e.Args[0].(*ast.ChanType)
				return ok
			}
			// ctx.Done(), time.After(d), time.Tick(d).
			if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
				q, _ := sel.X.(*ast.Ident)
				switch {
				case q == nil:
				case sel.Sel.Name == "Done":
					return strings.HasSuffix(strings.ToLower(q.Name), "ctx")
				case sel.Sel.Name == "After" || sel.Sel.Name == "Tick":
					return packageOf(q.Name, imports) == "time"
				}
			}
		}
		return false
	}
	// Names declared with a channel type or a channel value.
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			_, typed := n.Type.(*ast.ChanType)
			for i, id := range n.Names {
				if typed || i < len(n.Values) && isChan(n.Values[i]) {
					chans[id.Name] = true
				}
			}
		case *ast.Field:
			if _, ok := n.Type.(*ast.ChanType); ok {
				for _, id := range n.Names {
					chans[id.Name] = true
				}
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && isChan(n.Rhs[i]) {
						chans[id.Name] = true
					}
				}
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			add(n, goStmt)
		case *ast.SendStmt:
			add(n, channels)
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				add(n, channels)
			}
		case *ast.ChanType:
			add(n, channels)
		case *ast.SelectStmt:
			add(n, selectStmt)
		case *ast.RangeStmt:
			if isChan(n.X) {
				add(n, channels)
			}
		case *ast.CallExpr:
			id, ok := n.Fun.(*ast.Ident)
			switch {
			case !ok:
			case id.Name == "close" && len(n.Args) == 1:
				add(n, channels)
			case id.Name == "make" && len(n.Args) == 2:
				if _, ok := n.Args[0].(*ast.ChanType); ok {
					if lit, ok := n.Args[1].(*ast.BasicLit); !ok || lit.Value != "0" {
						add(n, buffered)
					}
				}
			}
		case *ast.SelectorExpr:
			q, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch pkg, name := packageOf(q.Name, imports), n.Sel.Name; {
			case pkg == "sync" && name == "WaitGroup":
				add(n, waitGroup)
			case pkg == "sync" && (name == "Mutex" || name == "RWMutex"):
				add(n, mutex)
			case pkg == "sync" && strings.HasPrefix(name, "Once"):
				add(n, once)
			case pkg == "sync" && (name == "Cond" || name == "NewCond"):
				add(n, cond)
			case pkg == "sync/atomic":
				add(n, atomicPkg)
			case pkg == "context":
				add(n, contextPkg)
			case strings.HasSuffix(pkg, "/errgroup"):
				add(n, errgroupPkg)
			case pkg == "time" && name == "After":
				add(n, timeAfter)
			case pkg == "time" && (name == "Ticker" || name == "NewTicker" || name == "Tick"):
				add(n, ticker)
			}
		}
		return true
	})
	slices.SortStableFunc(uses, func(a, b use) int { return a.line - b.line })
	return uses, nil
}

// number is a notebook's number: the first two characters of its file
// name ("04" for 04-async-fundamentals.ipynb).
func number(path string) string {
	base := filepath.Base(path)
	if len(base) < 2 {
		return base
	}
	return base[:2]
}

// orderProblems checks the contract's table on notebooks keyed by file
// name: no construct in a code cell before the notebook that introduces
// it, and every introducing notebook uses what it introduces.
func orderProblems(nbs map[string]*notebook.Notebook) []string {
	var problems []string
	names := slices.Sorted(maps.Keys(nbs))
	numbers := map[string]string{}
	used := map[string]map[string]bool{} // notebook number → constructs
	for _, name := range names {
		num := number(name)
		numbers[num] = name
		used[num] = map[string]bool{}
		chans := map[string]bool{}
		for i, c := range nbs[name].Cells {
			if c.Type != notebook.CodeCell || strings.TrimSpace(c.Source) == "" {
				continue
			}
			uses, err := constructsIn(c.Source, chans)
			if err != nil {
				if !c.HasTag(nbrun.TagRaisesException) {
					problems = append(problems, fmt.Sprintf("%s: cell %d does not parse as a cell: %v", name, i+1, err))
				}
				continue
			}
			reported := map[string]bool{}
			for _, u := range uses {
				used[num][u.construct] = true
				in := introducedIn[u.construct]
				if in <= num || reported[u.construct] {
					continue
				}
				reported[u.construct] = true
				problems = append(problems, fmt.Sprintf(
					"%s: cell %d, line %d uses %s, which notebook %s introduces: teach it before, or do without it here",
					name, i+1, u.line, u.construct, in))
			}
		}
	}
	for _, construct := range slices.Sorted(maps.Keys(introducedIn)) {
		in := introducedIn[construct]
		name, ok := numbers[in]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("no notebook %s, which introduces %s", in, construct))
		case !used[in][construct]:
			problems = append(problems, fmt.Sprintf(
				"%s introduces %s but no code cell uses it: add a cell showing it", name, construct))
		}
	}
	return problems
}

func TestConstructsInOrder(t *testing.T) {
	for _, p := range orderProblems(course(t)) {
		t.Error(p)
	}
}

func TestConstructsIn(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // constructs, in order of lines
	}{
		{"plain code", "x := 1\nfmt.Println(x)", nil},
		{"go statement", "go work()", []string{goStmt}},
		{"magics on top", "%env A=1\n!echo hi\ngo work()", []string{goStmt}},
		{"wait group and wg.Go", "var wg sync.WaitGroup\nwg.Go(work)\nwg.Wait()", []string{waitGroup}},
		{"unbuffered channel", "ch := make(chan int)\nch <- 1\n<-ch\nclose(ch)",
			[]string{channels, channels, channels, channels}},
		{"buffered channel", "ch := make(chan int, 3)", []string{buffered, channels}},
		{"zero capacity is unbuffered", "ch := make(chan int, 0)", []string{channels}},
		{"capacity from a variable", "ch := make(chan int, n)", []string{buffered, channels}},
		{"chan type in a declaration", "func f(out chan<- int) {}", []string{channels}},
		{"range over a channel of an earlier cell", "for v := range results {\n\tfmt.Println(v)\n}", []string{channels}},
		{"range over a slice", "for v := range []int{1} {\n\tfmt.Println(v)\n}", nil},
		{"range over ctx.Done()", "for range ctx.Done() {\n}", []string{channels}},
		{"range over another Done()", "for range task.Done() {\n}", nil},
		{"a channel from time.After", "c := time.After(d)\nfor range c {\n}", []string{timeAfter, channels}},
		{"select", "select {}", []string{selectStmt}},
		{"time.After and ticker", "<-time.After(d)\nt := time.NewTicker(d)\nvar tk *time.Ticker\nfor range time.Tick(d) {\n}",
			[]string{channels, timeAfter, ticker, ticker, channels, ticker}},
		{"time.AfterFunc is not time.After", "time.AfterFunc(d, f)", nil},
		{"time.Sleep", "time.Sleep(d)", nil},
		{"context", "ctx, cancel := context.WithCancel(context.Background())", []string{contextPkg, contextPkg}},
		{"context imported", "import \"context\"", []string{contextPkg}},
		{"mutexes", "var mu sync.Mutex\nvar rw sync.RWMutex", []string{mutex, mutex}},
		{"atomic", "var n atomic.Int64\nn.Add(1)", []string{atomicPkg}},
		{"atomic renamed", "import at \"sync/atomic\"\nvar n at.Int64", []string{atomicPkg, atomicPkg}},
		{"errgroup", "import \"golang.org/x/sync/errgroup\"\nvar g errgroup.Group", []string{errgroupPkg, errgroupPkg}},
		{"once", "var o sync.Once\nf := sync.OnceValue(g)", []string{once, once}},
		{"cond", "c := sync.NewCond(&mu)", []string{cond}},
		{"a local sync is not the package", "import sync \"example.com/mysync\"\nvar wg sync.WaitGroup", nil},
		{"a method Close is not close", "f.Close()", nil},
		{"a type named Ticker is not time's", "type Ticker struct{}\nvar t Ticker", nil},
		{"func main form", "func main() {\n\tgo work()\n}", []string{goStmt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uses, err := constructsIn(tt.src, map[string]bool{"results": true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range uses {
				got = append(got, u.construct)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("constructs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConstructLines(t *testing.T) {
	uses, err := constructsIn("%env A=1\n// a comment\nx := 1\n\nfunc f() {\n\tgo g()\n}\nselect {}", map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	want := []use{{goStmt, 6}, {selectStmt, 8}}
	if !slices.Equal(uses, want) {
		t.Errorf("uses = %v, want %v", uses, want)
	}
}

// codeNotebook returns a notebook of code cells with the given sources.
func codeNotebook(sources ...string) *notebook.Notebook {
	nb := notebook.New()
	for _, s := range sources {
		nb.Cells = append(nb.Cells, &notebook.Cell{Type: notebook.CodeCell, Source: s, Metadata: map[string]any{}})
	}
	return nb
}

// introducing returns code cells of notebook num using everything it
// introduces.
func introducing(num string) []string {
	cells := map[string][]string{
		"00": {"var wg sync.WaitGroup\nwg.Go(f)", "go f()"},
		"02": {"ch := make(chan int, 1)\nch <- 1"},
		"04": {"select {\ncase <-time.After(d):\n}", "var mu sync.Mutex\nvar n atomic.Int32",
			"ctx := context.Background()"},
		"05": {"t := time.NewTicker(d)"},
		"06": {"var g errgroup.Group", "var o sync.Once\nc := sync.NewCond(&mu)"},
	}
	return cells[num]
}

func TestOrderProblems(t *testing.T) {
	full := func() map[string]*notebook.Notebook {
		nbs := map[string]*notebook.Notebook{}
		for _, num := range []string{"00", "01", "02", "03", "04", "05", "06"} {
			nbs[num+"-x.ipynb"] = codeNotebook(introducing(num)...)
		}
		return nbs
	}
	tests := []struct {
		name   string
		change func(map[string]*notebook.Notebook)
		want   []string // substrings, one per problem
	}{
		{"every construct where it is introduced", func(map[string]*notebook.Notebook) {}, nil},
		{"used later is fine", func(nbs map[string]*notebook.Notebook) {
			nbs["05-x.ipynb"].Cells = append(nbs["05-x.ipynb"].Cells, codeNotebook("ch := make(chan int)\nselect {}").Cells...)
		}, nil},
		{"a channel in 01", func(nbs map[string]*notebook.Notebook) {
			nbs["01-x.ipynb"] = codeNotebook("fmt.Println(1)", "x := 1\ndone := make(chan bool)\n<-done")
		}, []string{"01-x.ipynb: cell 2, line 2 uses " + channels + ", which notebook 02 introduces"}},
		{"select and context in 03, hidden cell", func(nbs map[string]*notebook.Notebook) {
			nb := codeNotebook("func f(ctx context.Context) {\n\tselect {}\n}")
			nb.Cells[0].Metadata["jupyter"] = map[string]any{"source_hidden": true}
			nbs["03-x.ipynb"] = nb
		}, []string{
			"03-x.ipynb: cell 1, line 1 uses context, which notebook 04 introduces",
			"03-x.ipynb: cell 1, line 2 uses select, which notebook 04 introduces",
		}},
		{"range over a channel made in an earlier cell", func(nbs map[string]*notebook.Notebook) {
			nbs["01-x.ipynb"] = codeNotebook("var results = helpers.Results()", "var out chan int", "for v := range out {\n\t_ = v\n}")
		}, []string{
			"01-x.ipynb: cell 2, line 1 uses " + channels,
			"01-x.ipynb: cell 3, line 1 uses " + channels,
		}},
		{"introducing notebook does not use it", func(nbs map[string]*notebook.Notebook) {
			nbs["05-x.ipynb"] = codeNotebook("fmt.Println(1)")
		}, []string{"05-x.ipynb introduces " + ticker + " but no code cell uses it"}},
		{"introducing notebook missing", func(nbs map[string]*notebook.Notebook) {
			delete(nbs, "06-x.ipynb")
		}, []string{"no notebook 06, which introduces " + errgroupPkg,
			"no notebook 06, which introduces " + cond, "no notebook 06, which introduces " + once}},
		{"a cell that does not parse", func(nbs map[string]*notebook.Notebook) {
			nbs["01-x.ipynb"] = codeNotebook("x := ")
		}, []string{"01-x.ipynb: cell 1 does not parse"}},
		{"a failing cell may not parse", func(nbs map[string]*notebook.Notebook) {
			nb := codeNotebook("x := ")
			nb.Cells[0].Metadata["tags"] = []any{nbrun.TagRaisesException}
			nbs["01-x.ipynb"] = nb
		}, nil},
		{"markdown is not code", func(nbs map[string]*notebook.Notebook) {
			nbs["01-x.ipynb"].Cells = append(nbs["01-x.ipynb"].Cells,
				&notebook.Cell{Type: notebook.MarkdownCell, Source: "```go\nselect {}\n```"})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nbs := full()
			tt.change(nbs)
			got := orderProblems(nbs)
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

// solutionProblems checks the reference solutions in dir (one directory
// per notebook) against the table: a solution is what the learner writes
// in that notebook, so it uses only what has been taught by then.
func solutionProblems(dir string) []string {
	var problems []string
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.go"))
	for _, f := range files {
		num := number(filepath.Base(filepath.Dir(f)))
		src, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		uses, err := constructsIn(string(src), map[string]bool{})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s does not parse as a cell: %v", f, err))
			continue
		}
		for _, u := range uses {
			if in := introducedIn[u.construct]; in > num {
				problems = append(problems, fmt.Sprintf("%s, line %d uses %s, which notebook %s introduces: solve the exercise with what is taught by then",
					f, u.line, u.construct, in))
			}
		}
	}
	return problems
}

func TestSolutionsUseOnlyWhatIsTaught(t *testing.T) {
	for _, p := range solutionProblems(solutionsDir) {
		t.Error(p)
	}
}

func TestSolutionProblems(t *testing.T) {
	dir := writeSolutions(t, map[string]string{
		"00-start/ex1-wait.go":    "var wg sync.WaitGroup\nwg.Go(work)\nwg.Wait()",
		"01-later/ex1-chan.go":    "x := 1\nch := make(chan int)\n_ = ch",
		"04-deep/ex1-select.go":   "select {\ncase <-ctx.Done():\n}",
		"04-deep/ex2-broken.go":   "x := ",
		"06-mastery/ex1-group.go": "var g errgroup.Group",
	})
	got := solutionProblems(dir)
	want := []string{
		filepath.Join("01-later", "ex1-chan.go") + ", line 2 uses " + channels + ", which notebook 02 introduces",
		filepath.Join("04-deep", "ex2-broken.go") + " does not parse as a cell",
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("problem %d = %q, want it to contain %q", i+1, got[i], w)
		}
	}
}
