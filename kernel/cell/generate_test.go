package cell_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// run feeds cells In[1], In[2], ... to a new session, committing all but
// the last, and returns the last cell's program.
func run(t *testing.T, opts cell.GenerateOptions, cells ...string) (*cell.Session, *cell.Program) {
	t.Helper()
	s := cell.NewSession()
	var p *cell.Program
	for i, src := range cells {
		name := "In[" + string(rune('1'+i)) + "]"
		c, err := cell.Parse(src)
		if err != nil {
			t.Fatalf("Parse(%s): %v", name, err)
		}
		for _, m := range c.Magics {
			if _, err := s.Apply(m); err != nil {
				t.Fatalf("Apply(%s): %v", name, err)
			}
		}
		p, err = s.Generate(c, name, opts)
		if err != nil {
			t.Fatalf("Generate(%s): %v", name, err)
		}
		if i < len(cells)-1 {
			s.Commit(c, name)
		}
	}
	return s, p
}

func TestGenerateGolden(t *testing.T) {
	tests := []struct {
		name  string
		opts  cell.GenerateOptions
		cells []string
	}{
		{
			name: "redefinition",
			cells: []string{
				"var (\n\ta = 1\n\tb = 2\n)\nfunc f() int { return a }\ntype T struct{ N int }\nfunc (t T) String() string { return fmt.Sprint(t.N) }",
				"var b = 5\nfunc f() int { return b }",
				"func (t T) String() string { return strconv.Itoa(t.N) }\nfmt.Println(f(), T{b})",
			},
		},
		{
			name: "imports",
			cells: []string{
				"import (\n\tr \"math/rand/v2\"\n\t\"os\"\n\t_ \"embed\"\n)",
				"import . \"strings\"\nvar words = Fields(\"a b\")",
				"n := r.IntN(3)\nfmt.Println(strings.ToUpper(\"x\"), n, time.Second, words)",
			},
		},
		{
			name:  "display",
			opts:  cell.GenerateOptions{DisplayValue: true, DisplayCall: true},
			cells: []string{"type P struct{ Name string }", "p := P{\"ann\"}\np.Name"},
		},
		{
			name:  "display_helper_free",
			opts:  cell.GenerateOptions{DisplayValue: true, NoHelpers: true},
			cells: []string{"xs := []int{1, 2, 3}\nxs[1:]"},
		},
		{
			name:  "call_not_displayed",
			opts:  cell.GenerateOptions{DisplayValue: true},
			cells: []string{"fmt.Println(\"hi\")"},
		},
		{
			name:  "init_and_main",
			cells: []string{"func init() { println(1) }", "func init() { println(2) }\nfunc main() {\n\tprintln(3)\n}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := run(t, tt.opts, tt.cells...)
			golden(t, filepath.Join("generate", tt.name+".golden"), string(p.Source))
		})
	}
}

func TestGenerateImports(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  []string
	}{
		{"inferred standard library", []string{"strings.ToUpper(\"x\")\nsync.WaitGroup{}"}, []string{"strings", "sync"}},
		{"preferences", []string{"rand.Intn(1); template.New(\"\"); pprof.Profiles(); json.Marshal(1); scanner.Scanner{}; trace.IsEnabled()"},
			[]string{"encoding/json", "math/rand", "runtime/pprof", "runtime/trace", "text/scanner", "text/template"}},
		{"course packages", []string{"display.Show(1)\ntimeline.New()\nexercise.Check(\"e\", true, \"\")"}, []string{"asyncgo/helpers/display", "asyncgo/helpers/exercise", "asyncgo/helpers/timeline"}},
		{"nested helper packages are not inferred", []string{"frame.Append(nil, \"t\", nil)"}, nil},
		{"unused remembered import dropped", []string{"import \"os\"\nos.Exit(0)", "x := 1\n_ = x"}, nil},
		{"remembered import used later", []string{"import \"os\"", "os.Exit(0)"}, []string{"os"}},
		{"explicit import wins over inference", []string{"import rand \"math/rand/v2\"", "rand.IntN(2)"}, []string{"math/rand/v2"}},
		{"reimport replaces by name", []string{"import rand \"math/rand/v2\"", "import \"math/rand\"", "rand.Intn(2)"}, []string{"math/rand"}},
		{"third-party import keeps its path", []string{"import \"example.com/go-widget/v3\"", "widget.New()"}, []string{"example.com/go-widget/v3"}},
		{"blank and dot imports always kept", []string{"import _ \"embed\"\nimport . \"math\"", "x := 1\n_ = x"}, []string{"embed", "math"}},
		{"local variable shadows a package", []string{"strings := []string{\"a\"}\n_ = strings[0]\nerrors := 1\n_ = errors"}, nil},
		{"declaration shadows a package", []string{"type errors struct{ N int }\nfunc (e errors) Len() int { return e.N }", "errors{}.Len()"}, nil},
		{"unknown qualifier is left to the compiler", []string{"nosuchpkg.F()"}, nil},
		{"display import only when displaying", []string{"x := 1\nx"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := run(t, cell.GenerateOptions{}, tt.cells...)
			if !slices.Equal(p.Imports, tt.want) {
				t.Errorf("Imports = %q, want %q\n%s", p.Imports, tt.want, p.Source)
			}
			for _, path := range tt.want {
				if !strings.Contains(string(p.Source), `"`+path+`"`) {
					t.Errorf("source does not import %q:\n%s", path, p.Source)
				}
			}
		})
	}
}

func TestGenerateDoesNotCommit(t *testing.T) {
	s := cell.NewSession()
	first, err := cell.Parse("func f() int { return 1 }")
	if err != nil {
		t.Fatal(err)
	}
	s.Commit(first, "In[1]")
	broken, err := cell.Parse("func f() int { return \"not an int\" }\nfunc g() {}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Generate(broken, "In[2]", cell.GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	// In[2] failed to build, so the runner does not commit it.
	next, err := cell.Parse("f()")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Generate(next, "In[3]", cell.GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := string(p.Source)
	if !strings.Contains(src, "//line In[1]:1:1\nfunc f() int { return 1 }") || strings.Contains(src, "In[2]") {
		t.Errorf("program after an uncommitted cell:\n%s", src)
	}
	if got := s.List(); strings.Contains(got, "func g") || !strings.Contains(got, "func f") {
		t.Errorf("List after an uncommitted cell:\n%s", got)
	}
}

func TestCommitReplacesAndReset(t *testing.T) {
	s, _ := run(t, cell.GenerateOptions{},
		"import \"strings\"\nvar a, b = 1, 2\nconst C = 3\ntype T int\nfunc (T) M() {}\nvar _ = 1\nfunc main() {}",
		"var b = 4\ntype T string\nvar _ = 1\nfunc init() {}",
		"")
	golden(t, "list/replaced.golden", s.List())
	s.Reset()
	if got := s.List(); got != "No declarations or imports remembered.\n" {
		t.Errorf("List after Reset = %q", got)
	}
}

// TestGenerateFileName checks that FileName renames every //line
// directive's cell, earlier cells' declarations and imports included, and
// leaves the generated code's own positions (main.go) alone.
func TestGenerateFileName(t *testing.T) {
	rename := func(name string) string { return "/cells/" + strings.Trim(name, "In[]") + ".go" }
	tests := []struct {
		opts cell.GenerateOptions
		want []string
	}{
		{cell.GenerateOptions{FileName: rename}, []string{"//line /cells/1.go:1:8", "//line /cells/1.go:2:1", "//line /cells/2.go:1:1", "/*line /cells/2.go:2:1*/"}},
		{cell.GenerateOptions{}, []string{"//line In[1]:1:8", "//line In[1]:2:1", "//line In[2]:1:1", "/*line In[2]:2:1*/"}},
	}
	for _, tt := range tests {
		tt.opts.DisplayCall = true
		_, p := run(t, tt.opts, "import \"strings\"\nfunc up(s string) string { return strings.ToUpper(s) }", "s := up(\"a\")\nup(s)")
		src := string(p.Source)
		for _, w := range tt.want {
			if !strings.Contains(src, w) {
				t.Errorf("FileName set %v: program lacks %q:\n%s", tt.opts.FileName != nil, w, src)
			}
		}
		if tt.opts.FileName != nil && (strings.Contains(src, "//line In[") || strings.Contains(src, "/*line In[")) {
			t.Errorf("a cell keeps its name although FileName renames it:\n%s", src)
		}
	}
}
