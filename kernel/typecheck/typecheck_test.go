package typecheck_test

import (
	"context"
	"errors"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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

// newerToolchain returns the go command of a Go release newer than the
// one this test was built with, when this machine has one (Go 1.27.3 in
// the module cache: CI fetches it); the module proxy is not asked.
func newerToolchain(t *testing.T) string {
	t.Helper()
	const newer = "go1.27.3"
	if version.Compare(version.Lang(runtime.Version()), version.Lang(newer)) >= 0 {
		t.Skipf("built with %s: no newer Go to try", runtime.Version())
	}
	cmd := exec.Command("go", "env", "GOROOT")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+newer, "GOPROXY=off")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("%s is not on this machine: %v", newer, err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
}

// TestNewerGoExportData checks that export data of a newer Go, which
// go/types cannot read (it panics), makes Check fail with a
// *NewerGoError saying what to do, and that the Checker stays usable:
// later checks fail the same way, at once.
func TestNewerGoExportData(t *testing.T) {
	goCmd := newerToolchain(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := typecheck.New(goCmd, dir, []string{"GOWORK=off", "GOTOOLCHAIN=local"}, nil)
	src := []byte("package main\n\nimport \"strings\"\n\nfunc main() { strings.ToUpper(\"x\") }\n")
	for i := range 2 {
		r, err := c.Check(context.Background(), src, []string{"strings"})
		var newer *typecheck.NewerGoError
		if !errors.As(err, &newer) {
			t.Fatalf("check %d: got %v, %v; want a *NewerGoError", i+1, r, err)
		}
		if newer.Built != runtime.Version() || newer.Go != "go1.27.3" {
			t.Errorf("check %d: Built %q, Go %q; want %q, %q", i+1, newer.Built, newer.Go, runtime.Version(), "go1.27.3")
		}
		if msg := err.Error(); !strings.Contains(msg, "Rebuild gokernel with go1.27.3") || !strings.Contains(msg, "export data version") {
			t.Errorf("check %d: the error does not say what failed and what to do: %s", i+1, msg)
		}
	}
}
