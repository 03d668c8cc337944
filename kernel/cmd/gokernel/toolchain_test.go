package main_test

import (
	"go/version"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// toolchainAvailable reports whether GOTOOLCHAIN=name runs here without
// fetching anything.
func toolchainAvailable(name string) bool {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+name, "GOPROXY=off")
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == name
}

// TestKernelFollowsGOTOOLCHAIN starts the kernel with GOTOOLCHAIN set to
// each supported release (those on this machine): cells build with it,
// %kernel names it, generic methods (Go 1.27) compile only with 1.27, and
// a kernel built with an older Go than the one it finds says so once and
// keeps running cells.
func TestKernelFollowsGOTOOLCHAIN(t *testing.T) {
	t.Parallel()
	for _, goVersion := range []string{"go1.26.8", "go1.27.3"} {
		t.Run(goVersion, func(t *testing.T) {
			if !toolchainAvailable(goVersion) {
				t.Skipf("%s is not on this machine", goVersion)
			}
			k := startKernel(t, "tcp", "GOTOOLCHAIN="+goVersion, "GOPROXY=off")
			newer := version.Compare(version.Lang(goVersion), version.Lang(runtime.Version())) > 0

			first := k.exec(`strings.ToUpper("x")`)
			if first.Status != "ok" {
				t.Fatalf("a cell ending in a call: status %s %s: %s", first.Status, first.EName, first.EValue)
			}
			notice := strings.Count(streamText(first, "stderr"), "Rebuild gokernel with "+goVersion)
			shown := strings.Contains(strings.Join(outputTypes(first), " "), "execute_result")
			switch {
			case newer && (notice != 1 || shown):
				t.Errorf("gokernel built with %s, cells with %s: notice %d times, value shown %v; want the notice once, no value\nstderr: %s",
					runtime.Version(), goVersion, notice, shown, streamText(first, "stderr"))
			case !newer && (notice != 0 || !shown):
				t.Errorf("gokernel built with %s, cells with %s: notice %d times, value shown %v; want no notice and the value",
					runtime.Version(), goVersion, notice, shown)
			}

			if got := stdout(k.exec("fmt.Println(runtime.Version())")); got != goVersion+"\n" {
				t.Errorf("cells built with %q, want %s", got, goVersion)
			}
			state := k.exec("%kernel")
			if got := stdout(state); !strings.Contains(got, "cells built with "+goVersion) {
				t.Errorf("%%kernel does not name %s:\n%s", goVersion, got)
			}
			if s := streamText(state, "stderr"); strings.Contains(s, "Rebuild gokernel") {
				t.Errorf("the notice came again: %s", s)
			}

			e := k.exec("type box struct{ n int }\n\nfunc (b box) twice[T any](f func(int) T) [2]T { return [2]T{f(b.n), f(b.n)} }\n\nfmt.Println(box{2}.twice(func(n int) int { return n * 10 }))")
			text := e.EValue + strings.Join(e.Traceback, "\n")
			switch {
			case version.Compare(runtime.Version(), "go1.27") < 0:
				// gokernel's own parser cannot read the cell.
				if e.EName != "SyntaxError" || !strings.Contains(text, "needs Go 1.27") {
					t.Errorf("a generic method, gokernel built with %s: %s %s %q; want a SyntaxError saying it needs Go 1.27", runtime.Version(), e.Status, e.EName, text)
				}
			case version.Compare(goVersion, "go1.27") >= 0:
				if e.Status != "ok" || stdout(e) != "[20 20]\n" {
					t.Errorf("a generic method with %s: status %s %s %s, output %q; want [20 20]", goVersion, e.Status, e.EName, e.EValue, stdout(e))
				}
			default:
				if e.EName != "CompileError" || !strings.Contains(text, "type parameters") {
					t.Errorf("a generic method with %s: %s %s %q; want a CompileError about type parameters", goVersion, e.Status, e.EName, text)
				}
			}
		})
	}
}
