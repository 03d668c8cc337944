package cell_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

func TestIsComplete(t *testing.T) {
	tests := []struct {
		code, status, indent string
	}{
		{"", "complete", ""},
		{"x := 1", "complete", ""},
		{"func f() {\n\treturn\n}", "complete", ""},
		{"func f() {", "incomplete", "    "},
		{"for {\n\tif x {", "incomplete", "        "},
		{"fmt.Println(1,", "incomplete", "    "},
		{"xs := []int{\n\t1,\n\t2,", "incomplete", "    "},
		{"s := `line one\nline two", "incomplete", ""},
		{"/* a comment\nstill going", "incomplete", ""},
		{"x := 1 +", "incomplete", ""},
		{"ok := a &&", "incomplete", ""},
		{"x := 1\n}", "invalid", ""},
		{"f(]", "invalid", ""},
		{"s := \"unterminated", "invalid", ""},
		{"x := := 1", "invalid", ""},
		{"if x\n{\n}", "invalid", ""},
		{"%env A=1", "complete", ""},
		{"!ls -l\n%list", "complete", ""},
		{"%nosuchmagic", "invalid", ""},
		{"%%\nvar x = 1", "complete", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			status, indent := cell.IsComplete(tt.code)
			if status != tt.status || indent != tt.indent {
				t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.indent)
			}
		})
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

func TestParseBuildErrors(t *testing.T) {
	sources := map[string]string{"In[1]": "x := 1", "In[2]": "y := 2"}
	tests := []struct {
		name   string
		output string
		want   []string // "cell line:col message"
	}{
		{"build output", "# cellprog\nIn[2]:1:1: declared and not used: y\n", []string{"In[2] 1:1 declared and not used: y"}},
		{"vet prefix and ./", "# cellprog\n# [cellprog]\nvet: ./In[1]:1:6: something\n", []string{"In[1] 1:6 something"}},
		{"absolute path", "/tmp/ws/In[1]:1:2: bad\n", []string{"In[1] 1:2 bad"}},
		{"no column", "In[1]:1: no col\n", []string{"In[1] 1:0 no col"}},
		{"continuation lines", "In[2]:1:1: cannot use x\n\thave (int)\n\twant (string)\n", []string{"In[2] 1:1 cannot use x\nhave (int)\nwant (string)"}},
		{"generated file loses its position", "./main.go:20:6: main redeclared in this block\n", []string{" 0:0 main redeclared in this block"}},
		{"unknown cell loses its position", "In[9]:1:1: from a forgotten cell\n", []string{" 0:0 from a forgotten cell"}},
		{"other lines kept", "In[1]:1:1: a\ntoo many errors\n", []string{"In[1] 1:1 a", " 0:0 too many errors"}},
		{"crlf", "In[1]:1:1: a\r\n", []string{"In[1] 1:1 a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range cell.ParseBuildErrors([]byte(tt.output), sources) {
				got = append(got, fmt.Sprintf("%s %d:%d %s", d.Cell, d.Line, d.Col, d.Message))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTrimCellDirs(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"go 1.26 traceback unchanged", "main.boom(...)\n\tIn[1]:2\nmain.main()\n\tIn[2]:4 +0x4b\n", "main.boom(...)\n\tIn[1]:2\nmain.main()\n\tIn[2]:4 +0x4b\n"},
		{"go 1.27 traceback, -trimpath", "main.boom(...)\n\tasyncgo/b3/In[1]:2\nmain.main()\n\tasyncgo/b3/In[2]:4 +0x4b\n", "main.boom(...)\n\tIn[1]:2\nmain.main()\n\tIn[2]:4 +0x4b\n"},
		{"go 1.27 traceback, absolute", "\t/tmp/TestX/001/In[1]:2\n", "\tIn[1]:2\n"},
		{"race report", "  main.main.func1()\n      asyncgo/b12/In[2]:5 +0x3c\n", "  main.main.func1()\n      In[2]:5 +0x3c\n"},
		{"in parentheses and quotes", "(asyncgo/b1/In[1]:3) \"/x/In[2]:1\"", "(In[1]:3) \"In[2]:1\""},
		{"other cells and names untouched", "asyncgo/b1/In[3]:1 In[10]:2 a/In[1]x", "asyncgo/b1/In[3]:1 In[10]:2 a/In[1]x"},
		{"no cell", "goroutine 1 [running]:\n", "goroutine 1 [running]:\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cell.TrimCellDirs(tt.in, "In[1]", "In[2]"); got != tt.want {
				t.Errorf("TrimCellDirs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatDiagnostics(t *testing.T) {
	sources := map[string]string{
		"In[1]": "func f() {\n\tx := \"héllo\" + 1\n}",
		"In[2]": "y := 2",
	}
	diags := []cell.Diagnostic{
		{Cell: "In[1]", Line: 2, Col: 16, Message: "mismatched types"},
		{Cell: "In[2]", Line: 1, Col: 0, Message: "no column"},
		{Cell: "In[2]", Line: 7, Col: 1, Message: "line past the end"},
		{Message: "main redeclared in this block"},
		{Cell: "In[2]", Line: 1, Col: 1, Message: "multi-line\nhave int"},
	}
	golden(t, "format/diagnostics.golden", cell.FormatDiagnostics(diags, sources))
}
