package runner_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"asyncgo/kernel/runner"
)

func TestCachedName(t *testing.T) {
	src := fstest.MapFS{"main.go": {Data: []byte("package main")}, "x/y.go": {Data: []byte("package x")}}
	base, err := runner.CachedName("tool", "go1.27.3", src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "tool-") || len(base) != len("tool-")+20 {
		t.Fatalf("CachedName = %q, want tool- and 20 hex digits", base)
	}
	tests := []struct {
		name      string
		toolchain string
		fsys      fstest.MapFS
		same      bool
	}{
		{"same source and toolchain", "go1.27.3", fstest.MapFS{"main.go": {Data: []byte("package main")}, "x/y.go": {Data: []byte("package x")}}, true},
		{"other toolchain", "go1.26.8", src, false},
		{"file changed", "go1.27.3", fstest.MapFS{"main.go": {Data: []byte("package main ")}, "x/y.go": {Data: []byte("package x")}}, false},
		{"file renamed", "go1.27.3", fstest.MapFS{"main.go": {Data: []byte("package main")}, "x/z.go": {Data: []byte("package x")}}, false},
		{"file added", "go1.27.3", fstest.MapFS{"main.go": {Data: []byte("package main")}, "x/y.go": {Data: []byte("package x")}, "z.go": {}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runner.CachedName("tool", tt.toolchain, tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			if (got == base) != tt.same {
				t.Errorf("CachedName = %q, first name %q: same = %v, want %v", got, base, got == base, tt.same)
			}
		})
	}
}

func TestBackgroundBuild(t *testing.T) {
	t.Run("runs once and Close cancels and waits", func(t *testing.T) {
		var b runner.BackgroundBuild
		var runs atomic.Int32
		var ended atomic.Bool
		started := make(chan struct{})
		build := func(ctx context.Context) {
			if runs.Add(1) == 1 {
				close(started)
			}
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // Close must wait for this
			ended.Store(true)
		}
		b.Start(build)
		b.Start(build)
		<-started
		b.Close()
		if !ended.Load() {
			t.Error("Close returned before the build did")
		}
		if n := runs.Load(); n != 1 {
			t.Errorf("build ran %d times, want 1", n)
		}
	})
	t.Run("Start after Close starts nothing", func(t *testing.T) {
		var b runner.BackgroundBuild
		b.Close()
		ran := make(chan struct{}, 1)
		b.Start(func(context.Context) { ran <- struct{}{} })
		b.Close()
		select {
		case <-ran:
			t.Error("a build started after Close")
		case <-time.After(50 * time.Millisecond):
		}
	})
}
