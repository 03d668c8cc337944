package runner

import (
	"bytes"
	"context"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// MinGo is the oldest Go release that builds cells: the go directive of
// the module asyncgo.
const MinGo = "go1.26.0"

// Toolchain is the Go toolchain that builds cells.
type Toolchain struct {
	// Go is the path of its go command, in its GOROOT. Run with
	// GOTOOLCHAIN=local (as BuildEnv sets), it is this toolchain whatever
	// GOTOOLCHAIN the kernel's environment holds.
	Go string
	// Version is its version, such as "go1.27.3".
	Version string
}

// FindToolchain asks the go command goCmd (empty means FindGo) which
// toolchain it runs in this environment, with `go env GOVERSION GOROOT`:
// GOTOOLCHAIN, in the environment or set with go env -w, may select
// another release than the go command's own (GOTOOLCHAIN=go1.27.3 fetches
// and runs Go 1.27.3).
func FindToolchain(ctx context.Context, goCmd string) (Toolchain, error) {
	if goCmd == "" {
		goCmd = FindGo()
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOVERSION", "GOROOT")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Toolchain{Go: goCmd}, fmt.Errorf("ask %s env GOVERSION GOROOT: %v: %s (install Go %s or later, or put it on PATH)",
			goCmd, err, strings.TrimSpace(stderr.String()), strings.TrimPrefix(MinGo, "go"))
	}
	v, root, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	tc := Toolchain{Go: goCmd, Version: strings.TrimSpace(v)}
	bin := filepath.Join(strings.TrimSpace(root), "bin", "go")
	if fi, err := os.Stat(bin); err == nil && !fi.IsDir() {
		tc.Go = bin
	}
	return tc, nil
}

// GoDirective returns the go directive of the cell workspace for a Go
// release: its language version, so that cells may use everything it
// offers (and traceback headers carry goroutine labels, which Go 1.27
// prints for modules of go 1.27 or later), but never older than MinGo.
// For "go1.27.3" it is "1.27.0"; for a release candidate such as
// "go1.28rc1", "1.28".
func GoDirective(goVersion string) string {
	if !version.IsValid(goVersion) || version.Compare(goVersion, MinGo) < 0 {
		return strings.TrimPrefix(MinGo, "go")
	}
	lang := version.Lang(goVersion)
	if version.Compare(goVersion, lang+".0") >= 0 {
		return strings.TrimPrefix(lang, "go") + ".0"
	}
	return strings.TrimPrefix(lang, "go")
}

var goLine = regexp.MustCompile(`(?m)^go [^\s]+$`)

// withGoDirective returns the go.mod text gomod with its go directive set
// to directive.
func withGoDirective(gomod, directive string) string {
	return goLine.ReplaceAllLiteralString(gomod, "go "+directive)
}

// NewerThanKernel reports whether the toolchain is a newer Go release
// than the one gokernel was built with (runtime.Version): go/types of
// the older release cannot read the export data of the newer one, so the
// kernel cannot type-check cells.
func (tc Toolchain) NewerThanKernel() bool {
	return newerRelease(tc.Version, runtime.Version())
}

// newerRelease reports whether v is of a later language version than
// built (go1.27.x against go1.26.y).
func newerRelease(v, built string) bool {
	if !version.IsValid(v) || !version.IsValid(built) {
		return false
	}
	return version.Compare(version.Lang(v), version.Lang(built)) > 0
}
