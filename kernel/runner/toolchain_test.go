package runner_test

import (
	"context"
	"errors"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

func TestGoDirective(t *testing.T) {
	tests := []struct{ version, want string }{
		{"go1.26.8", "1.26.0"},
		{"go1.26.0", "1.26.0"},
		{"go1.27.3", "1.27.0"},
		{"go1.27.0", "1.27.0"},
		{"go1.28rc1", "1.28"},
		{"go1.25.4", "1.26.0"}, // too old: the build says which Go is needed
		{"devel go1.28-abcdef", "1.26.0"},
		{"", "1.26.0"},
	}
	for _, tt := range tests {
		if got := runner.GoDirective(tt.version); got != tt.want {
			t.Errorf("GoDirective(%q) = %q, want %q", tt.version, got, tt.want)
		}
	}
}

// toolchainOrSkip sets GOTOOLCHAIN to name for the test and returns the
// version the go command then runs; it skips the test when that
// toolchain is not on this machine (the module proxy is not asked).
func toolchainOrSkip(t *testing.T, name string) string {
	t.Helper()
	t.Setenv("GOTOOLCHAIN", name)
	cmd := exec.Command(runner.FindGo(), "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("GOTOOLCHAIN=%s: no such toolchain here (%v)", name, err)
	}
	return strings.TrimSpace(string(out))
}

// genericMethod uses a language feature of Go 1.27.
const genericMethod = `package main

import "fmt"

type box struct{ n int }

func (b box) twice[T any](f func(int) T) [2]T { return [2]T{f(b.n), f(b.n)} }

func main() {
	fmt.Println(box{2}.twice(func(n int) string { return fmt.Sprint(n * 10) }))
}
`

// TestWorkspaceFollowsToolchain checks that the workspace builds with the
// toolchain GOTOOLCHAIN selects, with a go directive that lets cells use
// its language: generic methods compile with Go 1.27 and get a compile
// error with Go 1.26.
func TestWorkspaceFollowsToolchain(t *testing.T) {
	for _, name := range []string{"local", "go1.26.8", "go1.27.3"} {
		t.Run(name, func(t *testing.T) {
			want := toolchainOrSkip(t, name)
			w := newWorkspace(t)
			// Asked at once, before the go command answers (or after).
			if got := w.GoVersionNow(); got != want {
				t.Errorf("GoVersionNow() = %q, want %q", got, want)
			}
			tc := w.Toolchain()
			if tc.Version != want {
				t.Fatalf("Toolchain().Version = %q, want %q", tc.Version, want)
			}
			if !filepath.IsAbs(tc.Go) || filepath.Base(tc.Go) != "go" {
				t.Errorf("Toolchain().Go = %q, want the absolute path of a go command", tc.Go)
			}
			var o output
			if res := run(t, w, "package main\n\nimport (\"fmt\"; \"runtime\")\n\nfunc main() { fmt.Print(runtime.Version()) }\n", o.options()); res.ExitCode != 0 {
				t.Fatalf("program failed: %+v, stderr %s", res, o.stderr.String())
			}
			if got := o.stdout.String(); got != want {
				t.Errorf("the program was built with %s, want %s", got, want)
			}
			gomod, err := os.ReadFile(filepath.Join(w.Dir(), "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			if line := "\ngo " + runner.GoDirective(want) + "\n"; !strings.Contains(string(gomod), line) {
				t.Errorf("workspace go.mod lacks %q:\n%s", line, gomod)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			bin, err := w.Build(ctx, runner.Build{Source: []byte(genericMethod)})
			if version.Compare(want, "go1.27") >= 0 {
				if err != nil {
					t.Fatalf("a generic method does not build with %s: %v", want, err)
				}
				var o output
				p, err := runner.Start(ctx, bin, o.options())
				if err != nil {
					t.Fatal(err)
				}
				if res := p.Wait(); res.ExitCode != 0 || o.stdout.String() != "[20 20]\n" {
					t.Errorf("generic method program: %+v, output %q, want \"[20 20]\\n\"", res, o.stdout.String())
				}
				return
			}
			var be *runner.BuildError
			if !errors.As(err, &be) {
				t.Fatalf("a generic method with %s: got %v, want a build error", want, err)
			}
			if !strings.Contains(string(be.Output), "type parameters") {
				t.Errorf("build error does not say what is wrong:\n%s", be.Output)
			}
		})
	}
}
