package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

// TestMain lets the test binary be the cell supervisor, as gokernel is.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runner.SuperviseArg {
		if os.Getenv(lingerEnv) != "" {
			lingeringSupervisor()
		}
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// lingerEnv, set, makes the test binary a supervisor that reports at once
// that its program printed "out" and exited with status 7, and then stays
// for a minute (see TestWaitDoesNotWaitForTheSupervisor).
const lingerEnv = "RUNNER_TEST_LINGER"

func lingeringSupervisor() {
	report := os.NewFile(3, "report")
	os.Stdout.WriteString("out\n")
	os.Stdout.Close()
	os.Stderr.Close()
	// The pid of a program that ended: this process's own stands for it.
	fmt.Fprintf(report, "pid %d\nstatus %d\n", os.Getpid(), 7<<8)
	time.Sleep(time.Minute)
	os.Exit(0)
}

// supervisorKinds returns the supervisors cells run under, by name: none
// (""), the test binary (gokernel's fallback: the same code in a bigger
// binary) and the small supervisor, built in the kernel's cache.
func supervisorKinds(tb testing.TB) []struct{ name, bin string } {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return []struct{ name, bin string }{{"direct", ""}, {"fallback", self}, {"small", smallSupervisor(tb)}}
}

var (
	smallOnce sync.Once
	smallBin  string
	smallErr  error
)

// smallSupervisor returns the small supervisor, built once per toolchain
// in the kernel's cache (GOKERNEL_CACHE_DIR, else the user cache).
func smallSupervisor(tb testing.TB) string {
	smallOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		smallBin, smallErr = runner.NewSupervisors(runner.SupervisorOptions{}).Build(ctx)
	})
	if smallErr != nil {
		tb.Fatal(smallErr)
	}
	return smallBin
}

// forEachSupervisor runs f as subtests without a supervisor, with the
// test binary as the supervisor and with the small supervisor.
func forEachSupervisor(t *testing.T, name string, f func(t *testing.T, supervisor string)) {
	kinds := supervisorKinds(t)
	t.Run(name, func(t *testing.T) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) { f(t, k.bin) })
		}
	})
}

// TestSupervisorsFallBackUntilBuilt: until the small supervisor is built
// in the cache, Path gives the fallback at once (and builds it in the
// background); then it gives the small one, which runs programs.
func TestSupervisorsFallBackUntilBuilt(t *testing.T) {
	cache := t.TempDir()
	built := make(chan error, 1)
	s := runner.NewSupervisors(runner.SupervisorOptions{CacheDir: cache, Fallback: "the-fallback", Built: func(bin string, err error) { built <- err }})
	defer s.Close()
	if got := s.Path(); got != "the-fallback" {
		t.Fatalf("Path() = %q before the build, want the fallback", got)
	}
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	bin := s.Path()
	if filepath.Dir(bin) != cache {
		t.Fatalf("Path() = %q after the build, want a binary in %s", bin, cache)
	}
	// Another kernel finds it without building.
	again, err := runner.NewSupervisors(runner.SupervisorOptions{CacheDir: cache}).Build(context.Background())
	if err != nil || again != bin {
		t.Errorf("Build() = %q, %v; want %q", again, err, bin)
	}
	w := newWorkspace(t)
	var o output
	opts := o.options()
	opts.Supervisor = bin
	r := run(t, w, "package main\nimport \"os\"\nfunc main() { println(\"hi\"); os.Exit(7) }\n", opts)
	if r.ExitCode != 7 || r.Err != nil || o.stderr.String() != "hi\n" {
		t.Errorf("result %+v, stderr %q; want exit status 7 and hi", r, o.stderr.String())
	}
}

// BenchmarkSupervisor runs a trivial program directly, under the test
// binary as supervisor (as gokernel supervises until the small supervisor
// is built: the same code in a bigger binary) and under the small
// supervisor, alternating, and reports the wall and processor time (of
// the processes started, from rusage) of each, and the ratios.
func BenchmarkSupervisor(b *testing.B) {
	kinds := supervisorKinds(b)
	w, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	bin, err := w.Build(context.Background(), runner.Build{Source: []byte("package main\nfunc main() { println(\"hi\") }\n")})
	if err != nil {
		b.Fatal(err)
	}
	took := make([]time.Duration, len(kinds))
	cpu := make([]time.Duration, len(kinds))
	for b.Loop() {
		for i, k := range kinds {
			before := childrenCPU()
			start := time.Now()
			p, err := runner.Start(context.Background(), bin, runner.RunOptions{Supervisor: k.bin})
			if err != nil {
				b.Fatal(err)
			}
			if r := p.Wait(); !r.OK() {
				b.Fatalf("%s: %+v", k.name, r)
			}
			took[i] += time.Since(start)
			cpu[i] += childrenCPU() - before
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	for i, k := range kinds {
		b.ReportMetric(ms(took[i]), k.name+"-ms")
		b.ReportMetric(ms(cpu[i]), k.name+"-cpu-ms")
	}
	// kinds: direct, fallback, small.
	b.ReportMetric(float64(took[2])/float64(took[1]), "small/fallback-wall")
	b.ReportMetric(float64(cpu[2])/float64(cpu[1]), "small/fallback-cpu")
	b.ReportMetric(ms(cpu[2]-cpu[0]), "small-cost-cpu-ms")
	b.ReportMetric(ms(cpu[1]-cpu[0]), "fallback-cost-cpu-ms")
}

// childrenCPU is the processor time (user and system) used by this
// process's children that have been waited for.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
