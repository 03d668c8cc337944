package execution

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// WorkspaceEnv names the environment variable that holds the cell
// workspace's directory, for shell lines and cell programs: the Go module
// asyncgo, with the course's helper packages, in which cells are built.
const WorkspaceEnv = "GOKERNEL_WORKSPACE"

// runShell runs one ! line with sh in the kernel's directory.
func (x *Executor) runShell(ctx context.Context, line string, out Sink) *Failure {
	// The workspace module (asyncgo, with the helpers) is where
	// `go doc asyncgo/helpers/timeline` works, wherever the notebook is.
	if err := x.ws.Prepare(); err != nil {
		return failure("ShellError", err.Error())
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = append(os.Environ(), append(x.cells.Env(), WorkspaceEnv+"="+x.ws.Dir())...)
	cmd.Stdout = writerFunc(func(b []byte) { out.Stream("stdout", b) })
	cmd.Stderr = writerFunc(func(b []byte) { out.Stream("stderr", b) })
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return interrupted("the shell command was interrupted")
	}
	return failure("ShellError", fmt.Sprintf("!%s: %v", line, err))
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// ToolchainVersion returns the version of the go command at path (such as
// "go1.26.8"), from the VERSION file of its GOROOT, or by asking it.
func ToolchainVersion(goCmd string) string {
	if p, err := filepath.EvalSymlinks(goCmd); err == nil {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(p)), "VERSION")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if strings.HasPrefix(first, "go") {
				return strings.TrimSpace(first)
			}
		}
	}
	if out, err := exec.Command(goCmd, "env", "GOVERSION").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "unknown (no Go toolchain found: install Go 1.26)"
}
