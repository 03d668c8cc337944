package runner_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

// TestMain lets the test binary be the cell supervisor, as gokernel is.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runner.SuperviseArg {
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// forEachSupervisor runs f as subtests without a supervisor and with the
// test binary as the supervisor.
func forEachSupervisor(t *testing.T, name string, f func(t *testing.T, supervisor string)) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Run(name, func(t *testing.T) {
		t.Run("direct", func(t *testing.T) { f(t, "") })
		t.Run("supervised", func(t *testing.T) { f(t, self) })
	})
}

// BenchmarkSupervisor runs a trivial program directly and under the
// supervisor, alternating, and reports both and the difference.
func BenchmarkSupervisor(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	w, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	bin, err := w.Build(context.Background(), runner.Build{Source: []byte("package main\nfunc main() { println(\"hi\") }\n")})
	if err != nil {
		b.Fatal(err)
	}
	var took, cpu [2]time.Duration
	for b.Loop() {
		for i, sup := range []string{"", self} {
			before := childrenCPU()
			start := time.Now()
			p, err := runner.Start(context.Background(), bin, runner.RunOptions{Supervisor: sup})
			if err != nil {
				b.Fatal(err)
			}
			if r := p.Wait(); !r.OK() {
				b.Fatalf("%+v", r)
			}
			took[i] += time.Since(start)
			cpu[i] += childrenCPU() - before
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(ms(cpu[0]), "direct-cpu-ms")
	b.ReportMetric(ms(cpu[1]), "supervised-cpu-ms")
	direct, supervised := ms(took[0]), ms(took[1])
	b.ReportMetric(direct, "direct-ms")
	b.ReportMetric(supervised, "supervised-ms")
	b.ReportMetric(supervised-direct, "cost-ms")
}

// childrenCPU is the processor time (user and system) used by this
// process's children that have been waited for.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
