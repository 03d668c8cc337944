package cell_test

import (
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

func TestSourceOffset(t *testing.T) {
	earlier := "type point struct{ x, y int }\n\nfunc (p point) sum() int { return p.x + p.y }"
	tests := []struct {
		name      string
		code      string
		line, col int
		// want is the program text that starts at the offset; "" when
		// the position is not in the program.
		want string
	}{
		{"statement", "fmt.Println(1)", 1, 5, "Println(1)"},
		{"start of a line", "x := 2\nfmt.Println(x)", 2, 1, "fmt.Println(x)"},
		{"indented declaration line", "func f() int {\n\treturn 3\n}\nf()", 2, 2, "return 3"},
		{"after statements on one line", "a := 1; b := a\n_ = b", 1, 9, "b := a"},
		{"non-ASCII before the column", "s := \"héllo\"; fmt.Print(s)", 1, 20, "Print(s)"},
		{"end of the cell", "p := point{1, 2}\np.", 2, 3, ""},
		{"magic line", "%env A=1\nfmt.Println(1)", 1, 3, "NOTFOUND"},
		{"column past the line", "x := 1\n_ = x", 1, 40, "NOTFOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := tt.code
			if strings.HasSuffix(code, ".") {
				code += "x" // keep the cell parseable; the offset is before x
			}
			_, prog := run(t, cell.GenerateOptions{}, earlier, code)
			// run names the last cell In[2].
			off, ok := prog.SourceOffset("In[2]", tt.line, tt.col)
			if tt.want == "NOTFOUND" {
				if ok {
					t.Fatalf("SourceOffset found %d (%q), want not found", off, prog.Source[off:])
				}
				return
			}
			if !ok {
				t.Fatalf("SourceOffset not found in\n%s", prog.Source)
			}
			rest := string(prog.Source[off:])
			want := tt.want
			if want == "" {
				want = "x"
			}
			if !strings.HasPrefix(rest, want) {
				t.Errorf("text at the offset = %q, want it to start with %q", rest[:min(len(rest), 30)], want)
			}
		})
	}
}
