package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/client"
	"asyncgo/kernel/jupyter"
)

// The benchmarks in this file measure the speed goals of the kernel on
// the machine at hand. Run them with
//
//	go test -run '^$' -bench . -benchtime 20x ./kernel/cmd/gokernel
//
// Figures that are compared are measured in the same loop, alternating, so
// that a noisy machine slows both sides alike.

// benchKernel starts a kernel for a benchmark and stops it at the end.
func benchKernel(b *testing.B) (*client.Client, *exec.Cmd) {
	b.Helper()
	info, err := jupyter.NewConnectionInfo("tcp")
	if err != nil {
		b.Fatal(err)
	}
	connFile := filepath.Join(b.TempDir(), "kernel.json")
	info.WriteFile(connFile)
	cmd := exec.Command(gokernelBin, "kernel", "--connection-file", connFile)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, info, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Request(ctx, client.Control, "shutdown_request", map[string]any{"restart": false})
		c.Close()
		cmd.Wait()
	})
	return c, cmd
}

func runCell(b *testing.B, c *client.Client, code string) {
	b.Helper()
	e, err := c.Execute(context.Background(), code, client.NewExecuteOptions())
	if err != nil {
		b.Fatal(err)
	}
	if e.Status != "ok" {
		b.Fatalf("%q: %s: %s", code, e.EName, e.EValue)
	}
}

// BenchmarkStart measures a kernel's start: from starting the process to
// its kernel_info_reply, and its resident memory when idle.
func BenchmarkStart(b *testing.B) {
	var rss float64
	for i := 0; b.Loop(); i++ {
		info, _ := jupyter.NewConnectionInfo("tcp")
		connFile := filepath.Join(b.TempDir(), fmt.Sprintf("k%d.json", i))
		info.WriteFile(connFile)
		cmd := exec.Command(gokernelBin, "kernel", "--connection-file", connFile)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// Dial again every 2 ms until the kernel listens, so the figure is
		// the kernel's start rather than the client's retry interval.
		c, err := client.Dial(ctx, info, client.Options{DialRetry: 2 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		// Dial only connects sockets; the first reply is the measure.
		if _, err := c.KernelInfo(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rss = residentMiB(cmd.Process.Pid)
		c.Request(ctx, client.Control, "shutdown_request", map[string]any{"restart": false})
		c.Close()
		cmd.Wait()
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(rss, "idle-RSS-MiB")
}

func residentMiB(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(l, "VmRSS: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkNewCellVsHandBuild alternates a trivial cell with new source
// on every run, built by the compiler engine (%engine go), and the same
// program built and run by hand with go build, and reports both and their
// ratio: the kernel's goal is a ratio of at most 1. (BenchmarkEngines
// measures the yaegi fast path that auto sends such cells to.)
func BenchmarkNewCellVsHandBuild(b *testing.B) {
	c, _ := benchKernel(b)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hand\n\ngo 1.26\n"), 0o644)
	runCell(b, c, "%engine go\nfmt.Println(\"warm\")")
	var kernel, hand time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		runCell(b, c, fmt.Sprintf("fmt.Println(%d)", i))
		kernel += time.Since(start)

		start = time.Now()
		src := fmt.Sprintf("package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(%d)\n}\n", i)
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
		build := exec.Command("go", "build", "-o", "prog", ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		if err := exec.Command(filepath.Join(dir, "prog")).Run(); err != nil {
			b.Fatal(err)
		}
		hand += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(kernel.Milliseconds())/n, "kernel-ms/cell")
	b.ReportMetric(float64(hand.Milliseconds())/n, "hand-build+run-ms")
	b.ReportMetric(float64(kernel)/float64(hand), "kernel/hand")
}

// BenchmarkCells measures, with each engine, a cell run before (on the
// compiler an unchanged cell reuses its binary) and a cell that waits for
// four goroutines sleeping 50 ms each.
func BenchmarkCells(b *testing.B) {
	for _, engine := range []string{"go", "auto"} {
		b.Run("engine="+engine, func(b *testing.B) { benchmarkCells(b, engine) })
	}
}

func benchmarkCells(b *testing.B, engine string) {
	c, _ := benchKernel(b)
	runCell(b, c, "%engine "+engine)
	if engine == "auto" {
		waitForYaegi(b, func(code string) *client.Execution {
			e, err := c.Execute(context.Background(), code, quiet())
			if err != nil {
				b.Fatal(err)
			}
			return e
		})
	}
	cells := []struct{ name, code string }{
		{"unchanged", `fmt.Println("same")`},
		{"4-goroutines-50ms", "var wg sync.WaitGroup\nfor range 4 {\n\twg.Go(func() { time.Sleep(50 * time.Millisecond) })\n}\nwg.Wait()"},
	}
	for _, cell := range cells {
		b.Run(cell.name, func(b *testing.B) {
			runCell(b, c, cell.code)
			for b.Loop() {
				runCell(b, c, cell.code)
			}
		})
	}
}
