package helpers_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncgo/helpers"
)

// TestModuleFilesCurrent fails when go.mod or go.sum changed without
// regenerating module.go.
func TestModuleFilesCurrent(t *testing.T) {
	for _, f := range []struct{ name, embedded string }{
		{"../go.mod", helpers.GoMod},
		{"../go.sum", helpers.GoSum},
	} {
		disk, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if string(disk) != f.embedded {
			t.Errorf("helpers/module.go is stale for %s: run go generate ./helpers", f.name)
		}
	}
}

// TestEveryPackageEmbedded fails when a package is added under helpers/
// without adding it to the go:embed line.
func TestEveryPackageEmbedded(t *testing.T) {
	embedded, err := helpers.Packages()
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		p = filepath.ToSlash(p)
		if d.IsDir() && (helpers.Skip(p) || p == "internal") {
			return fs.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !helpers.Skip(p) && filepath.Dir(p) != "." {
			pkg := "asyncgo/helpers/" + filepath.ToSlash(filepath.Dir(p))
			if !slices.Contains(onDisk, pkg) {
				onDisk = append(onDisk, pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(onDisk)
	if !slices.Equal(embedded, onDisk) {
		t.Errorf("embedded packages %v, on disk %v: add the missing directories to the go:embed line in helpers.go", embedded, onDisk)
	}
}

func TestSourceLeavesOutTests(t *testing.T) {
	tests := []struct {
		path string
		skip bool
	}{
		{".", false},
		{"display/display.go", false},
		{"display/display_test.go", true},
		{"timeline/testdata/a.svg", true},
		{"timeline/_x.go", true},
		{"display/frame/frame.go", false},
	}
	for _, tt := range tests {
		if got := helpers.Skip(tt.path); got != tt.skip {
			t.Errorf("Skip(%q) = %v, want %v", tt.path, got, tt.skip)
		}
	}
}
