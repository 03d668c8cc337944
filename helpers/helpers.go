// Package helpers holds the packages that notebook cells import, such as
// asyncgo/helpers/display and asyncgo/helpers/timeline.
//
// The package itself carries their source, embedded in every program that
// imports it, gokernel among them. The kernel writes that source into the
// module it builds cells in, so cells import the helpers offline, from any
// directory, and after the repository has moved.
package helpers

import (
	"embed"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

//go:generate go run ./internal/modgen

//go:embed display exercise timeline
var source embed.FS

// Source returns the source of the helper packages, rooted at this
// directory: paths look like "display/display.go". Together with GoMod and
// GoSum at the root and this tree under helpers/, it builds as the module
// asyncgo.
func Source() fs.FS { return source }

// Packages lists the import paths of the packages in Source, sorted.
func Packages() ([]string, error) {
	seen := map[string]bool{}
	err := fs.WalkDir(source, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && Skip(p) {
			return fs.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !Skip(p) {
			seen["asyncgo/helpers/"+path.Dir(p)] = true
		}
		return nil
	})
	return slices.Sorted(maps.Keys(seen)), err
}

// Skip reports whether a path in Source is not needed to build the helpers:
// tests, test data, and files the go command ignores.
func Skip(p string) bool {
	if p == "." {
		return false
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "testdata" || strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_") {
			return true
		}
	}
	return strings.HasSuffix(p, "_test.go")
}
