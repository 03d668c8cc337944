package cell_test

import (
	"errors"
	"fmt"
	"go/version"
	"runtime"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

// shape summarises a parsed cell for comparison.
type shape struct {
	magics  []string // "name arg arg"
	shell   []string
	imports []string // "name path @line:col"
	decls   []string // "kind key,key @line:col"
	body    []string // "src @line:col"
	last    string   // "src @line:col", with " call" for calls
}

func shapeOf(c *cell.Cell) shape {
	var s shape
	for _, m := range c.Magics {
		s.magics = append(s.magics, strings.TrimSpace(m.Name+" "+strings.Join(m.Args, " ")))
	}
	s.shell = c.Shell
	for _, im := range c.Imports {
		s.imports = append(s.imports, fmt.Sprintf("%s %s @%d:%d", im.Name, im.Path, im.Line, im.Col))
	}
	for _, d := range c.Decls {
		s.decls = append(s.decls, fmt.Sprintf("%s %s @%d:%d", d.Kind, strings.Join(d.Keys, ","), d.Line, d.Col))
	}
	for _, b := range c.Body {
		s.body = append(s.body, fmt.Sprintf("%s @%d:%d", strings.TrimSpace(b.Src), b.Line, b.Col))
	}
	if c.Last != nil {
		s.last = fmt.Sprintf("%s @%d:%d", c.Last.Src, c.Last.Line, c.Last.Col)
		if c.Last.IsCall {
			s.last += " call"
		}
	}
	return s
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want shape
	}{
		{
			name: "statements only",
			src:  "x := 1\ny := x + 1\nfmt.Println(y)",
			want: shape{body: []string{"x := 1 @1:1", "y := x + 1 @2:1"}, last: "fmt.Println(y) @3:1 call"},
		},
		{
			name: "mixed declarations and statements",
			src:  "import \"strings\"\n\ntype P struct{ Name string }\n\np := P{\"ann\"}\nfunc up(s string) string { return strings.ToUpper(s) }\nup(p.Name)",
			want: shape{
				imports: []string{" strings @1:8"},
				decls:   []string{"type P @3:1", "func up @6:1"},
				body:    []string{`p := P{"ann"} @5:1`},
				last:    "up(p.Name) @7:1 call",
			},
		},
		{
			name: "imports after code, grouped, named, dot and blank",
			src:  "x := 1\nimport (\n\tr \"math/rand/v2\"\n\t. \"strings\"\n\t_ \"embed\"\n)\nx",
			want: shape{
				imports: []string{"r math/rand/v2 @3:2", ". strings @4:2", "_ embed @5:2"},
				body:    []string{"x := 1 @1:1"},
				last:    "x @7:1",
			},
		},
		{
			name: "CRLF line endings with a raw string spanning lines",
			src:  "import \"fmt\"\r\n\r\nconst banner = `one\r\ntwo`\r\nx := 1\r\nfmt.Println(banner, x)\r\n",
			want: shape{
				imports: []string{" fmt @1:8"},
				decls:   []string{"const banner @3:1"},
				body:    []string{"x := 1 @5:1"},
				last:    "fmt.Println(banner, x) @6:1 call",
			},
		},
		{
			name: "leading byte order mark",
			src:  "\uFEFFx := 1\nfmt.Println(x)",
			want: shape{body: []string{"x := 1 @1:1"}, last: "fmt.Println(x) @2:1 call"},
		},
		{
			name: "methods on plain and generic types",
			src:  "type List[T any] struct{ items []T }\nfunc (l *List[T]) Push(v T) { l.items = append(l.items, v) }\nfunc (l List[T]) Len() int { return len(l.items) }\nfunc Map[T, U any](xs []T, f func(T) U) []U { return nil }",
			want: shape{decls: []string{"type List @1:1", "method List.Push @2:1", "method List.Len @3:1", "func Map @4:1"}},
		},
		{
			name: "var and const groups and blank declarations",
			src:  "var (\n\ta = 1\n\tb, c = 2, 3\n)\nconst K = 4\nvar _ fmt.Stringer = nil",
			want: shape{decls: []string{"var a,b,c @1:1", "const K @5:1", "var _:var _ fmt.Stringer = nil @6:1"}},
		},
		{
			name: "function literal call at top level is a statement",
			src:  "func() {\n\tfmt.Println(\"hi\")\n}()\nfunc (x int) { _ = x }(1)",
			want: shape{body: []string{"func() {\n\tfmt.Println(\"hi\")\n}() @1:1"}, last: "func (x int) { _ = x }(1) @4:1 call"},
		},
		{
			name: "function literal with a result type",
			src:  "v := func() int { return 1 }()\nfunc() T[int] { return T[int]{} }()",
			want: shape{body: []string{"v := func() int { return 1 }() @1:1"}, last: "func() T[int] { return T[int]{} }() @2:1 call"},
		},
		{
			name: "whole func main",
			src:  "import \"fmt\"\n\nfunc main() {\n\tx := 2\n\tfmt.Println(x)\n\tx * 3\n}",
			want: shape{imports: []string{" fmt @1:8"}, body: []string{"x := 2\n\tfmt.Println(x) @3:14"}, last: "x * 3 @6:2"},
		},
		{
			name: "%% makes declarations local",
			src:  "func f() int { return 1 }\n%%\nvar x = f()\ntype local int\nlocal(x)",
			want: shape{decls: []string{"func f @1:1"}, body: []string{"var x = f() @3:1", "type local int @4:1"}, last: "local(x) @5:1 call"},
		},
		{
			name: "init is a declaration",
			src:  "func init() { println(\"init\") }",
			want: shape{decls: []string{"func init @1:1"}},
		},
		{
			name: "comments and raw strings",
			src:  "// Greeting is shown.\nconst Greeting = `hello\n%%\nfunc not() {}\n`\n/* block\ncomment */\ns := Greeting // trailing\ns[1:3]",
			want: shape{decls: []string{"const Greeting @1:1"}, body: []string{"s := Greeting @8:1"}, last: "s[1:3] @9:1"},
		},
		{
			name: "labels and loops",
			src:  "outer:\nfor i := range 3 {\n\tfor j := range 3 {\n\t\tif j == 1 { continue outer }\n\t\t_ = i\n\t}\n}",
			want: shape{body: []string{"outer:\nfor i := range 3 {\n\tfor j := range 3 {\n\t\tif j == 1 { continue outer }\n\t\t_ = i\n\t}\n} @1:1"}},
		},
		{
			name: "statement headers with semicolons",
			src:  "for i := 0; ; i++ {\n\tbreak\n}\nif x := 1; x > 0 {\n}\nswitch y := 2; y {\n}\nfunc f() {}",
			want: shape{decls: []string{"func f @8:1"}, body: []string{"for i := 0; ; i++ {\n\tbreak\n} @1:1", "if x := 1; x > 0 {\n} @4:1", "switch y := 2; y {\n} @6:1"}},
		},
		{
			name: "explicit semicolons",
			src:  "a := 1; func f() {}; b := a; a + b",
			want: shape{decls: []string{"func f @1:9"}, body: []string{"a := 1; @1:1", "b := a; @1:22"}, last: "a + b @1:30"},
		},
		{
			name: "receive is not displayed",
			src:  "done := make(chan int, 1)\ndone <- 1\n<-done",
			want: shape{body: []string{"done := make(chan int, 1) @1:1", "done <- 1 @2:1", "<-done @3:1"}},
		},
		{
			name: "last expressions that are values",
			src:  "p := struct{ Name string }{\"x\"}\n(p.Name)",
			want: shape{body: []string{`p := struct{ Name string }{"x"} @1:1`}, last: "(p.Name) @2:1"},
		},
		{
			name: "parenthesised call and conversion are calls",
			src:  "(len(\"ab\"))",
			want: shape{last: `(len("ab")) @1:1 call`},
		},
		{
			name: "assignment last is not displayed",
			src:  "x := 1\nx = 2",
			want: shape{body: []string{"x := 1 @1:1", "x = 2 @2:1"}},
		},
		{
			name: "magics and shell lines at the top",
			src:  "%env GOMAXPROCS=1 'A=b c'\n// setup\n!ls -l\n%goflags -race\n\nx := 1\nx",
			want: shape{magics: []string{"env GOMAXPROCS=1 A=b c", "goflags -race"}, shell: []string{"ls -l"}, body: []string{"x := 1 @6:1"}, last: "x @7:1"},
		},
		{
			name: "only magics",
			src:  "%list\n%args a \"b c\" d\\ e",
			want: shape{magics: []string{"list", "args a b c d e"}},
		},
		{
			name: "a ! line after code is Go",
			src:  "ok := true\nb := ok &&\n!ok\nb",
			want: shape{body: []string{"ok := true @1:1", "b := ok &&\n!ok @2:1"}, last: "b @4:1"},
		},
		{
			name: "pasted program with a package clause",
			src:  "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(1)\n}",
			want: shape{imports: []string{" fmt @3:8"}, last: "fmt.Println(1) @6:2 call"},
		},
		{
			name: "empty cell",
			src:  "\n\n",
			want: shape{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cell.Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := shapeOf(c)
			for _, f := range []struct {
				what      string
				got, want []string
			}{
				{"magics", got.magics, tt.want.magics},
				{"shell", got.shell, tt.want.shell},
				{"imports", got.imports, tt.want.imports},
				{"decls", got.decls, tt.want.decls},
				{"body", got.body, tt.want.body},
			} {
				if !slices.Equal(f.got, f.want) {
					t.Errorf("%s:\n got %q\nwant %q", f.what, f.got, f.want)
				}
			}
			hasCode := tt.want.imports != nil || tt.want.decls != nil || tt.want.body != nil || tt.want.last != ""
			if c.HasCode() != hasCode {
				t.Errorf("HasCode() = %v, want %v", c.HasCode(), hasCode)
			}
			if got.last != tt.want.last {
				t.Errorf("last = %q, want %q", got.last, tt.want.last)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message fragment"
	}{
		{"syntax error in a statement", "x := 1\ny := (x +\nz := 3", []string{"3:3: expected ')'"}},
		{"syntax error in a declaration", "func f() {\n\treturn 1 +\n}\n", []string{"3:1: expected operand"}},
		{"unclosed brace points into the cell", "for {\n\tx := 1", []string{"2:8: expected"}},
		{"unknown magic", "%time\nx := 1", []string{"1:1: unknown magic %time: the known magics are %help, %reset, %list, %env, %goflags, %args"}},
		{"magic after code", "x := 1\n%env A=1", []string{"2:1: magic %env must be at the top of the cell"}},
		{"unclosed quote in a magic", "%args \"a b", []string{"1:1: magic %args \"a b: unclosed \" quote"}},
		{"func main and statements", "x := 1\nfunc main() {}", []string{"1:1: statements outside func main"}},
		{"func main with parameters", "func main(x int) {}", []string{"1:1: func main must have no parameters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cell.Parse(tt.src)
			var se *cell.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want a *SyntaxError", err)
			}
			var got []string
			for _, d := range se.In("In[1]") {
				if d.Cell != "In[1]" {
					t.Errorf("Cell = %q, want In[1]", d.Cell)
				}
				got = append(got, fmt.Sprintf("%d:%d: %s", d.Line, d.Col, d.Message))
			}
			if len(got) < len(tt.want) {
				t.Fatalf("errors = %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}

// TestParseGenericMethod checks that a generic method (Go 1.27) parses
// when gokernel is built with Go 1.27, and otherwise is a syntax error
// that says which Go it needs.
func TestParseGenericMethod(t *testing.T) {
	src := "type box struct{ n int }\n\nfunc (b box) twice[T any](f func(int) T) [2]T { return [2]T{f(b.n), f(b.n)} }\n\nbox{2}.twice(func(n int) int { return n })"
	_, err := cell.Parse(src)
	if version.Compare(version.Lang(runtime.Version()), "go1.27") >= 0 {
		if err != nil {
			t.Fatalf("built with %s: Parse: %v", runtime.Version(), err)
		}
		return
	}
	var se *cell.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("built with %s: Parse error = %v, want a *SyntaxError", runtime.Version(), err)
	}
	if d := se.Diagnostics[0]; d.Line != 3 || !strings.Contains(d.Message, "needs Go 1.27") || !strings.Contains(d.Message, runtime.Version()) {
		t.Errorf("the error does not say that generic methods need Go 1.27: %+v", se.Diagnostics)
	}
}
