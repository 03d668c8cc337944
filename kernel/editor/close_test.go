package editor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/editor"
	"asyncgo/kernel/runner"
)

// TestCloseDuringStart: closed while it warms up (gopls starting, go list
// loading packages), the editor ends every process it started before
// Close returns, and once the workspace is closed nothing is left in
// TMPDIR, nor written there later.
func TestCloseDuringStart(t *testing.T) {
	requireGopls(t)
	// Close comes at steps through the warm-up: the type checker's go
	// list, gopls's start, its go list, its first completion.
	for after := time.Duration(0); after <= 4*time.Second; after += after/2 + 100*time.Millisecond {
		t.Run(fmt.Sprint(after.Round(time.Millisecond)), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			ws, err := runner.NewWorkspace(runner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e := editor.New(editor.Config{Workspace: ws})
			e.Warm()
			time.Sleep(after)
			e.Close()
			if left := processesIn(ws.Dir()); len(left) > 0 {
				t.Errorf("processes still run in the workspace after Close:\n%s", strings.Join(left, "\n"))
			}
			if err := ws.Close(); err != nil {
				t.Errorf("close the workspace: %v", err)
			}
			for _, wait := range []time.Duration{0, 300 * time.Millisecond} {
				time.Sleep(wait)
				if names := entries(tmp); len(names) > 0 {
					t.Fatalf("TMPDIR holds %q %v after the workspace was closed", names, wait)
				}
			}
		})
	}
}

// processesIn returns the processes (pid and command line) whose working
// directory is dir or below it.
func processesIn(dir string) []string {
	var out []string
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range pids {
		cwd, err := os.Readlink(p + "/cwd")
		if err != nil {
			continue
		}
		cwd = strings.TrimSuffix(cwd, " (deleted)")
		if cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			cmdline, _ := os.ReadFile(p + "/cmdline")
			out = append(out, filepath.Base(p)+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// entries lists what dir holds, recursively, relative to dir.
func entries(dir string) []string {
	var names []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	return names
}
