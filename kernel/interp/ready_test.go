package interp_test

import (
	"testing"
	"time"

	"asyncgo/kernel/interp"
	"asyncgo/kernel/runner"
)

func TestReadyBuildsInTheBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker")
	}
	ws, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	e := interp.NewEngine(ws, t.TempDir()) // an empty cache: nothing built
	defer e.Close()
	start := time.Now()
	if _, ok := e.Ready(); ok {
		t.Fatal("Ready with an empty cache")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("Ready waited %v for a build; it must return at once", waited)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if bin, ok := e.Ready(); ok {
			if bin == "" {
				t.Fatal("Ready without a binary")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the background build never finished")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCloseStopsABackgroundBuild(t *testing.T) {
	ws, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	e := interp.NewEngine(ws, t.TempDir())
	e.Ready()
	done := make(chan bool)
	go func() { e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Close did not stop the build")
	}
	// An engine that never built anything closes too.
	if err := interp.NewEngine(ws, t.TempDir()).Close(); err != nil {
		t.Fatal(err)
	}
}
