package kernelspec

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// requireJupyter skips the test because no working `jupyter` is
// installed, or fails it when GOKERNEL_REQUIRE_JUPYTER=1 says Jupyter
// must be there.
func requireJupyter(t *testing.T) {
	t.Helper()
	if os.Getenv("GOKERNEL_REQUIRE_JUPYTER") == "1" {
		t.Fatal("jupyter is not on PATH, or its subcommand does not work, but GOKERNEL_REQUIRE_JUPYTER=1")
	}
	t.Skip("jupyter is not on PATH, or its subcommand does not work (set GOKERNEL_REQUIRE_JUPYTER=1 to make this a failure)")
}

// runJupyter runs the jupyter command with extra environment variables and
// returns its standard output.
func runJupyter(t *testing.T, extraEnv []string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("jupyter")
	if err != nil {
		requireJupyter(t)
	}
	cmd := exec.CommandContext(t.Context(), path, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	out, err := cmd.Output()
	if err != nil && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// A jupyter without this subcommand skips, as no jupyter does.
		if exec.Command(path, args[0], "--version").Run() != nil {
			requireJupyter(t)
		}
	}
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("jupyter %v: %v\n%s", args, err, stderr)
	}
	return string(out)
}
