package interp

import (
	_ "embed"
	"strings"
	"sync"
)

// symbolList is the worker's symbol tables as text: one line per package,
// its import path, a tab and its exported names. internal/symgen writes it.
//
//go:embed symbols.txt
var symbolList string

// symbolIndex is symbolList parsed.
type symbolIndex map[string]map[string]bool

var parseSymbols = sync.OnceValue(func() symbolIndex {
	idx := symbolIndex{}
	for _, line := range strings.Split(symbolList, "\n") {
		path, names, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		set := map[string]bool{}
		for _, n := range strings.Fields(names) {
			set[n] = true
		}
		idx[path] = set
	}
	return idx
})

// HasPackage reports whether the worker can import the package at path.
func HasPackage(path string) bool {
	_, ok := parseSymbols()[path]
	return ok
}

// HasSymbol reports whether the worker offers the exported name of the
// package at path.
func HasSymbol(path, name string) bool {
	return parseSymbols()[path][name]
}
