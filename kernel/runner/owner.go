package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A kernel that is killed (SIGKILL, a power cut) cannot remove its
// workspace. So each kernel records, in its workspace, which process owns
// it: the pid and that process's start time, since pids are reused. The
// next kernel to start removes the workspaces whose owner is gone.

// ownerFile names the owner record in a workspace directory; go commands
// ignore files whose names start with a dot.
const ownerFile = ".gokernel-owner"

// workspacePattern matches the directories NewWorkspace creates.
const workspacePattern = "gokernel-*"

// MarkOwner records the current process as the owner of the workspace
// directory dir, so that RemoveStaleWorkspaces leaves it alone while this
// process lives and removes it after.
func MarkOwner(dir string) error {
	start, _ := processStart(os.Getpid())
	rec := fmt.Sprintf("%d %s\n", os.Getpid(), start)
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(rec), 0o644); err != nil {
		return fmt.Errorf("record the workspace's owner: %w", err)
	}
	return nil
}

// RemoveStaleWorkspaces removes the workspaces in dir (empty means
// os.TempDir()) whose owner, recorded by MarkOwner, is no longer running,
// and returns their paths. Directories without an owner record, and those
// of running kernels, are left alone.
func RemoveStaleWorkspaces(dir string) ([]string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	matches, err := filepath.Glob(filepath.Join(dir, workspacePattern))
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []string
	for _, ws := range matches {
		b, err := os.ReadFile(filepath.Join(ws, ownerFile))
		if err != nil {
			continue // not a workspace, or its kernel is still starting
		}
		if ownerAlive(string(b)) {
			continue
		}
		if err := os.RemoveAll(ws); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		removed = append(removed, ws)
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("remove workspaces of kernels that died: %s", strings.Join(errs, "; "))
	}
	return removed, nil
}

// ownerAlive reports whether the process an owner record names is still
// running: the same pid, started at the same time.
func ownerAlive(rec string) bool {
	f := strings.Fields(rec)
	if len(f) == 0 {
		return true // unreadable: keep it
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return true
	}
	if !processExists(pid) {
		return false
	}
	if len(f) < 2 {
		return true
	}
	start, ok := processStart(pid)
	return !ok || start == f[1]
}
