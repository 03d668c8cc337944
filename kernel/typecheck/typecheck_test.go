package typecheck_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"asyncgo/kernel/typecheck"
)

func TestLastCallResults(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := typecheck.New("go", dir, []string{"GOWORK=off", "GOTOOLCHAIN=local"}, nil)
	tests := []struct {
		name    string
		body    string
		imports []string
		n       int
		ok      bool
	}{
		{"println has two results", `fmt.Println("x")`, []string{"fmt"}, 2, true},
		{"one result", `strings.ToUpper("x")`, []string{"strings"}, 1, true},
		{"builtin len", `s := []int{1}; len(s)`, nil, 1, true},
		{"no result", `f := func() {}; f()`, nil, 0, true},
		{"method with one result", `time.Second.String()`, []string{"time"}, 1, true},
		{"not a call", `x := 1; _ = x`, nil, 0, false},
		{"ends with a statement", `for {}`, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package main\n\nimport (\n"
			for _, p := range tt.imports {
				src += "\t\"" + p + "\"\n"
			}
			src += ")\n\nfunc main() {\n" + tt.body + "\n}\n"
			r, err := c.Check(context.Background(), []byte(src), tt.imports)
			if err != nil {
				t.Fatal(err)
			}
			n, ok := r.LastCallResults()
			if n != tt.n || ok != tt.ok {
				t.Errorf("LastCallResults() = %d, %v; want %d, %v", n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestTypeError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644)
	c := typecheck.New("go", dir, nil, nil)
	r, err := c.Check(context.Background(), []byte("package main\nfunc main() { undefinedName() }\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) == 0 {
		t.Fatal("no error for an undefined name")
	}
}

func BenchmarkCheckCached(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644)
	c := typecheck.New("go", dir, nil, nil)
	src := []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\nfunc main() {\n\tfmt.Println(time.Now())\n}\n")
	imports := []string{"fmt", "time"}
	if _, err := c.Check(context.Background(), src, imports); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Check(context.Background(), src, imports); err != nil {
			b.Fatal(err)
		}
	}
}
