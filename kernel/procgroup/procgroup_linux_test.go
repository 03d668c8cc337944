package procgroup_test

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"

	"asyncgo/kernel/procgroup"
)

// TestBackground: every process of the group, the ones it starts later
// included, runs at the background niceness.
func TestBackground(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 0.3; sleep 30 & echo $!; wait")
	procgroup.Set(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	if err := procgroup.Background(cmd); err != nil {
		t.Fatal(err)
	}
	var child int
	if _, err := fmt.Fscan(out, &child); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{cmd.Process.Pid, child} {
		nice, err := syscall.Getpriority(syscall.PRIO_PROCESS, pid)
		if err != nil {
			t.Fatal(err)
		}
		// Linux's system call returns 20 - niceness.
		if got := 20 - nice; got != 10 {
			t.Errorf("process %d has niceness %d, want 10", pid, got)
		}
	}
}
