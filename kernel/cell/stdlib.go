package cell

import (
	"asyncgo/helpers"
	"slices"

	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// preferred settles standard-library package names that several packages
// share.
var preferred = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"pprof":    "runtime/pprof",
	"scanner":  "text/scanner",
	"json":     "encoding/json",
}

// coursePackage returns the import path of the course's own package
// called name (asyncgo/helpers/NAME: display, timeline, exercise, ...),
// which cells may use without importing it. Packages nested deeper, such
// as display/frame, are the kernel's business and are not inferred.
func coursePackage(name string) (string, bool) {
	pkgs, err := helpers.Packages()
	if err != nil {
		return "", false
	}
	p := "asyncgo/helpers/" + name
	return p, slices.Contains(pkgs, p)
}

// stdIndex maps standard-library package names to import paths and back.
type stdIndex struct {
	byName map[string]string // package name → preferred path
	byPath map[string]string // path → package name
}

// goroot returns $GOROOT, or asks the go command.
func goroot() (string, error) {
	if r := os.Getenv("GOROOT"); r != "" {
		return r, nil
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("finding the Go installation with \"go env GOROOT\" (is go on PATH?): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// loadStdIndex reads the package clauses under root/src, skipping internal,
// vendor, testdata and cmd directories and those starting with "_" or ".".
func loadStdIndex(root string) (*stdIndex, error) {
	src := filepath.Join(root, "src")
	byPath := map[string]string{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		base := d.Name()
		if p != src && (base == "internal" || base == "vendor" || base == "testdata" || rel == "cmd" || rel == "builtin" ||
			strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".")) {
			return filepath.SkipDir
		}
		if p == src {
			return nil
		}
		if name := dirPackage(p); name != "" {
			byPath[rel] = name
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indexing the standard library in %s: %w", src, err)
	}
	byName := map[string]string{}
	for p, name := range byPath {
		if old, ok := byName[name]; !ok || betterPath(name, p, old) {
			byName[name] = p
		}
	}
	return &stdIndex{byName: byName, byPath: byPath}, nil
}

// betterPath reports whether path a is preferred over path b for a package
// named name.
func betterPath(name, a, b string) bool {
	if want, ok := preferred[name]; ok {
		if a == want || b == want {
			return a == want
		}
	}
	if va, vb := hasVersion(a), hasVersion(b); va != vb {
		return vb
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// hasVersion reports whether an import path has a /vN element.
func hasVersion(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if isVersion(e) {
			return true
		}
	}
	return false
}

func isVersion(e string) bool {
	if len(e) < 2 || e[0] != 'v' {
		return false
	}
	for _, r := range e[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// dirPackage returns the package name most non-test files in dir declare,
// ignoring main, or "" when there is none.
func dirPackage(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	counts := map[string]int{}
	best := ""
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		// The package clause comes before the first declaration; a
		// prefix keeps the parse cheap.
		if i := bytes.Index(data, []byte("\nimport")); i > 0 {
			data = data[:i]
		}
		f, err := parser.ParseFile(fset, n, data, parser.PackageClauseOnly)
		if err != nil || f.Name.Name == "main" || f.Name.Name == "documentation" {
			continue
		}
		counts[f.Name.Name]++
		if counts[f.Name.Name] > counts[best] {
			best = f.Name.Name
		}
	}
	return best
}

// assumedName guesses the package name of a non-standard import path: its
// last element, skipping a /vN suffix, without a "go-" prefix or "-go" or
// ".go" suffix, cut at the first character that cannot be in a name.
func assumedName(p string) string {
	base := path.Base(p)
	if isVersion(base) && path.Dir(p) != "." {
		base = path.Base(path.Dir(p))
	}
	base = strings.TrimPrefix(base, "go-")
	base = strings.TrimSuffix(base, "-go")
	base = strings.TrimSuffix(base, ".go")
	if i := strings.IndexFunc(base, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f)
	}); i >= 0 {
		base = base[:i]
	}
	return base
}
