package cell_test

import (
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
