package runner

import (
	"context"
	"fmt"
	"strings"

	"asyncgo/helpers"
)

// warmPackages are the standard packages cells use most; Warm builds them
// (with the flags cells use) so the first cell does not.
var warmPackages = []string{
	"bufio", "context", "errors", "fmt", "io", "math", "math/rand", "net", "net/http", "net/http/httptest",
	"os", "os/signal", "runtime", "runtime/trace", "slices", "sort", "strconv", "strings", "sync",
	"sync/atomic", "time", "golang.org/x/sync/errgroup",
}

// Warm prepares the cell workspace: it writes the helpers' source to the
// cache and builds a program importing the common standard packages and
// every helper package, so that the toolchain's build cache holds them.
func Warm(ctx context.Context, opts Options) error {
	w, err := NewWorkspace(opts)
	if err != nil {
		return err
	}
	defer w.Close()
	pkgs, err := helpers.Packages()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, p := range append(warmPackages, pkgs...) {
		if strings.Contains(p, "/internal/") {
			continue
		}
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n\nfunc main() {}\n")
	_, err = w.Build(ctx, Build{Source: []byte(b.String())})
	return err
}
