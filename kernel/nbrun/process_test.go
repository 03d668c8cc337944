package nbrun_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/nbrun"
)

// scriptKernel writes a script that stands for gokernel: it counts its
// starts in a file, fails the first failures of them with stderr text
// and exit status 1, and then runs then (a command line) instead.
func scriptKernel(t *testing.T, failures int, text, then string) (bin, count string) {
	t.Helper()
	dir := t.TempDir()
	count = filepath.Join(dir, "starts")
	bin = filepath.Join(dir, "kernel.sh")
	script := fmt.Sprintf(`#!/bin/sh
echo start >> %[1]q
if [ "$(wc -l < %[1]q)" -le %[2]d ]; then
	echo %[3]q >&2
	exit 1
fi
%[4]s
`, count, failures, text, then)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, count
}

func starts(t *testing.T, count string) int {
	b, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "start")
}

const portTaken = `level=ERROR msg="kernel stopped" err="channel: binding the control socket to tcp://127.0.0.1:39263: listen tcp 127.0.0.1:39263: bind: address already in use"`

func TestStartProcessRetriesTakenPorts(t *testing.T) {
	tests := []struct {
		name       string
		failures   int
		text       string
		wantStarts int
		wantErr    string
	}{
		{"a port taken every time", 5, portTaken, 3, "address already in use"},
		{"another failure is not retried", 5, "gokernel kernel: bad connection file", 1, "bad connection file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, count := scriptKernel(t, tt.failures, tt.text, "exit 1")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			k, err := nbrun.StartProcess(bin)(ctx, t.TempDir())
			if err == nil {
				k.Close()
				t.Fatal("the kernel started")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
			if n := starts(t, count); n != tt.wantStarts {
				t.Errorf("%d starts, want %d", n, tt.wantStarts)
			}
		})
	}
	t.Run("a port taken once, then the kernel starts", func(t *testing.T) {
		gk := buildGokernel(t)
		bin, count := scriptKernel(t, 1, portTaken, fmt.Sprintf(`exec %q "$@"`, gk))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		k, err := nbrun.StartProcess(bin)(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		ex, err := k.Execute(ctx, `fmt.Println("up")`)
		if err != nil || ex.Status != "ok" {
			t.Fatalf("execute: %+v, %v", ex, err)
		}
		if n := starts(t, count); n != 2 {
			t.Errorf("%d starts, want 2", n)
		}
	})
}
