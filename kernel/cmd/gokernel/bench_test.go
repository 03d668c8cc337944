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

// benchKernel starts a kernel for a benchmark, with extra environment, and
// stops it at the end.
func benchKernel(b *testing.B, env ...string) (*client.Client, *exec.Cmd) {
	b.Helper()
	info, err := jupyter.NewConnectionInfo("tcp")
	if err != nil {
		b.Fatal(err)
	}
	connFile := filepath.Join(b.TempDir(), "kernel.json")
	info.WriteFile(connFile)
	cmd := exec.Command(gokernelBin, "kernel", "--connection-file", connFile)
	cmd.Env = append(os.Environ(), env...)
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
// four goroutines sleeping 50 ms each. Between cells it pauses, outside
// the timer, for readPause, as a learner reads a cell's output before
// running the next: the kernel starts the next cell's processes then.
// It measures once the kernel has settled (see settle), as it has a few
// seconds after a notebook opens.
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
	settle(b, c)
	cells := []struct{ name, code string }{
		{"unchanged", `fmt.Println("same")`},
		{"4-goroutines-50ms", "var wg sync.WaitGroup\nfor range 4 {\n\twg.Go(func() { time.Sleep(50 * time.Millisecond) })\n}\nwg.Wait()"},
	}
	for _, cell := range cells {
		b.Run(cell.name, func(b *testing.B) {
			runCell(b, c, cell.code)
			for b.Loop() {
				b.StopTimer()
				time.Sleep(readPause)
				b.StartTimer()
				runCell(b, c, cell.code)
			}
		})
	}
}

// settle waits until the kernel's editor answers completions from gopls,
// which loads the workspace's packages for the first seconds of a kernel,
// using a processor of this 2-core machine: cells run then take longer.
// Without gopls, it gives up after 30 seconds.
func settle(b *testing.B, c *client.Client) {
	b.Helper()
	req := map[string]any{"code": "strings.ToU", "cursor_pos": len("strings.ToU")}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		m, err := c.Request(ctx, client.Shell, "complete_request", req)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		var reply struct{ Metadata map[string]any }
		m.Decode(&reply)
		if reply.Metadata["gokernel_source"] == "gopls" {
			return
		}
	}
}

// readPause is the time a benchmark leaves between cells, as a learner
// reading a cell's output does; far less than a learner takes.
const readPause = 100 * time.Millisecond

// BenchmarkUnchangedCellSupervisors alternates an unchanged cell (%engine
// go: the binary is reused) on a kernel that runs cells under gokernel as
// supervisor (its cache had no small supervisor when it started) and on
// one that runs them under the small supervisor, and reports the wall
// time and the processor time per cell of each kernel with its children
// (from /proc: utime, stime, cutime, cstime), and the ratios.
func BenchmarkUnchangedCellSupervisors(b *testing.B) {
	empty := b.TempDir()
	old, oldCmd := benchKernel(b, "GOKERNEL_CACHE_DIR="+empty)
	// That kernel builds the small supervisor in the background for later
	// kernels (it keeps gokernel itself): wait for the build to end.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if builtSupervisor(empty) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the kernel did not build the small supervisor in 5 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	small, smallCmd := benchKernel(b, "GOKERNEL_CACHE_DIR="+empty)
	kernels := []struct {
		c   *client.Client
		pid int
	}{{old, oldCmd.Process.Pid}, {small, smallCmd.Process.Pid}}
	const code = `fmt.Println("same")`
	for _, k := range kernels {
		runCell(b, k.c, "%engine go")
		runCell(b, k.c, code)
	}
	var took, cpu [2]time.Duration
	for b.Loop() {
		for i, k := range kernels {
			before := processCPU(b, k.pid)
			start := time.Now()
			runCell(b, k.c, code)
			took[i] += time.Since(start)
			cpu[i] += processCPU(b, k.pid) - before
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(ms(took[0]), "gokernel-sup-ms/cell")
	b.ReportMetric(ms(took[1]), "small-sup-ms/cell")
	b.ReportMetric(ms(cpu[0]), "gokernel-sup-cpu-ms/cell")
	b.ReportMetric(ms(cpu[1]), "small-sup-cpu-ms/cell")
	b.ReportMetric(float64(took[1])/float64(took[0]), "small/gokernel-wall")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "small/gokernel-cpu")
}

// processCPU is the processor time of process pid and of its children
// that it has waited for, from /proc (in clock ticks of 10 ms).
func processCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
		var n int64
		fmt.Sscan(f[i], &n)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// builtSupervisor reports whether the cache dir holds a built small
// supervisor (not its source or a binary being written).
func builtSupervisor(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "cell-supervisor-*"))
	for _, p := range m {
		if !strings.HasSuffix(p, ".tmp") && !strings.Contains(filepath.Base(p), "-src-") {
			return true
		}
	}
	return false
}
