package cell_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

// TestMagicListsAgree checks that the magics %help shows, the ones the
// package documentation lists and the ones Parse accepts are the same.
func TestMagicListsAgree(t *testing.T) {
	help, err := cell.NewSession().Apply(cell.Magic{Name: "help"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	names := func(text string, line *regexp.Regexp) []string {
		var found []string
		for _, m := range line.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(found, m[1]) {
				found = append(found, m[1])
			}
		}
		slices.Sort(found)
		return found
	}
	inHelp := names(help, regexp.MustCompile(`(?m)^  %(\w+)`))
	inDoc := names(string(doc), regexp.MustCompile(`(?m)^//\t%(\w+)`))
	if !slices.Equal(inHelp, inDoc) {
		t.Errorf("%%help lists %v, the package documentation %v", inHelp, inDoc)
	}
	for _, name := range inHelp {
		c, err := cell.Parse("%" + name + "\nfmt.Println(1)")
		if err != nil || len(c.Magics) != 1 || c.Magics[0].Name != name {
			t.Errorf("%%%s: %%help lists it, but Parse gives %v, %v", name, c, err)
		}
	}
	_, err = cell.Parse("%nosuchmagic")
	if err == nil {
		t.Fatal("Parse accepted %nosuchmagic")
	}
	for _, name := range inHelp {
		if !strings.Contains(err.Error(), "%"+name) {
			t.Errorf("the error for an unknown magic does not name %%%s: %v", name, err)
		}
	}
}

func TestApplyMagics(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string // magic lines applied in order
		out     string   // output of the last one
		err     string   // error fragment of the last one
		env     []string
		goflags []string
		args    []string
	}{
		{name: "help names every magic", lines: []string{"%help"}, out: "%goflags"},
		{name: "env set and show", lines: []string{"%env A=1 B=x=y", "%env A=2", "%env"}, out: "Environment:\n  B=x=y\n  A=2\n", env: []string{"B=x=y", "A=2"}},
		{name: "env without value", lines: []string{"%env A"}, err: "%env A: want NAME=value"},
		{name: "env reset", lines: []string{"%env A=1", "%env --reset"}, out: "Environment cleared.\n"},
		{name: "goflags replace and show", lines: []string{"%goflags -race", "%goflags -race -tags=x", "%goflags"}, out: "Go flags: -race -tags=x\n", goflags: []string{"-race", "-tags=x"}},
		{name: "goflags reset", lines: []string{"%goflags -race", "%goflags --reset"}, out: "Go flags: (none)\n"},
		{name: "args with quotes", lines: []string{`%args one "two words" it\'s`}, out: "Arguments: one two words it's\n", args: []string{"one", "two words", "it's"}},
		{name: "args reset", lines: []string{"%args a", "%args --reset"}, out: "Arguments: (none)\n"},
		{name: "list when empty", lines: []string{"%list"}, out: "No declarations or imports remembered.\n"},
		{name: "reset keeps settings", lines: []string{"%env A=1", "%reset"}, out: "Forgot all declarations and imports.\n", env: []string{"A=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cell.NewSession()
			c, err := cell.Parse(strings.Join(tt.lines, "\n"))
			if err != nil {
				t.Fatal(err)
			}
			var out string
			for i, m := range c.Magics {
				out, err = s.Apply(m)
				if i < len(c.Magics)-1 && err != nil {
					t.Fatalf("Apply(%v): %v", m, err)
				}
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("output = %q, want it to contain %q", out, tt.out)
			}
			p, err := s.Generate(c, "In[1]", cell.GenerateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Env, tt.env) || !slices.Equal(p.GoFlags, tt.goflags) || !slices.Equal(p.Args, tt.args) {
				t.Errorf("program settings = env %q goflags %q args %q; want %q %q %q", p.Env, p.GoFlags, p.Args, tt.env, tt.goflags, tt.args)
			}
		})
	}
}
