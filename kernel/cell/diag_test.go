package cell_test

import (
	"fmt"
	"slices"
	"testing"

	"asyncgo/kernel/cell"
)

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
