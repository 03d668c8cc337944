package runner_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

// TestCanceledBuildLeavesNothing: a build canceled part way (an
// interrupted cell, a kernel shutting down) kills the go command, which
// then cannot remove its scratch directory; once the workspace is closed,
// nothing of the build is left in TMPDIR.
func TestCanceledBuildLeavesNothing(t *testing.T) {
	for after := 20 * time.Millisecond; after < 2*time.Second; after *= 2 {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			t.Setenv("GOTMPDIR", "")
			w, err := runner.NewWorkspace(runner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), after)
			defer cancel()
			src := fmt.Sprintf("package main\n\nimport \"net/http\"\n\nfunc main() { println(http.StatusOK, %d) }\n", time.Now().UnixNano())
			_, buildErr := w.Build(ctx, runner.Build{Source: []byte(src), Flags: []string{"-gcflags=-N"}})
			if err := w.Close(); err != nil {
				t.Errorf("close the workspace: %v", err)
			}
			left, _ := os.ReadDir(tmp)
			for _, e := range left {
				t.Errorf("TMPDIR holds %s after the workspace was closed (the build returned %v)", e.Name(), buildErr)
			}
		})
	}
}
