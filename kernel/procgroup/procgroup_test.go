package procgroup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"asyncgo/kernel/procgroup"
)

// running returns the pids of processes whose environment holds marker.
func running(t *testing.T, marker string) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc to look for processes in")
	}
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte(marker)) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
			continue // a zombie runs nothing
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestCancelEndsTheGroup: a command whose context ends takes what it
// started with it, whether the context ends while it runs (the kernel
// interrupted) or the command exits and leaves a child behind; so does a
// command made without a context (gopls) that is killed.
func TestCancelEndsTheGroup(t *testing.T) {
	tests := []struct {
		name   string
		script string
		// end, when set, is how the command is ended while it runs: by
		// its context ("cancel") or, made without one, by a kill.
		end string
	}{
		// The shell waits for its child: cancelling kills the shell, and
		// its sleeping child must go too (a go command's compile).
		{"cancelled", "sleep 30 & sleep 30 & wait", "cancel"},
		// The shell exits at once and leaves a child in its group.
		{"exited", "sleep 30 &", ""},
		// Killing the shell alone leaves its children; End ends them.
		{"killed", "sleep 30 & sleep 30 & wait", "kill"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := fmt.Sprintf("PROCGROUP_TEST_%d_%d=1", os.Getpid(), i)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd := exec.CommandContext(ctx, "sh", "-c", tt.script)
			if tt.end == "kill" {
				cmd = exec.Command("sh", "-c", tt.script)
			}
			cmd.Env = append(os.Environ(), marker)
			procgroup.Set(cmd)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tt.end != "" {
				deadline := time.Now().Add(10 * time.Second)
				for len(running(t, marker)) < 3 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if tt.end == "cancel" {
					cancel()
				} else {
					cmd.Process.Kill()
				}
			}
			cmd.Wait()
			procgroup.End(cmd)
			if pids := running(t, marker); len(pids) > 0 {
				for _, p := range pids {
					if proc, err := os.FindProcess(p); err == nil {
						proc.Kill()
					}
				}
				t.Errorf("processes %v of the group still run after End", pids)
			}
		})
	}
}
