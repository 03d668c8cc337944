package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

// echo prints its arguments, an environment variable and its parent's
// pid. Started with the one argument __gokernel_spare, it reads its
// arguments from standard input first, as a spare program does.
const echo = `package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "__gokernel_spare" {
		var n [4]byte
		io.ReadFull(os.Stdin, n[:])
		b := make([]byte, binary.BigEndian.Uint32(n[:]))
		io.ReadFull(os.Stdin, b)
		args = strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	}
	fmt.Printf("args %q env %s ppid %d\n", args, os.Getenv("SPARE_TEST"), os.Getppid())
}
`

// gone waits up to 5 seconds for process pid to be gone.
func gone(pid int) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		// A zombie whose parent has not reaped it yet is gone too
		// (Linux: elsewhere there is no /proc to tell).
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
				return true
			}
		}
	}
	return false
}

// children returns the live children of this process.
func children(t *testing.T) map[int]bool {
	t.Helper()
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	if len(files) == 0 {
		t.Skip("no /proc children lists")
	}
	out := map[int]bool{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(s); err == nil && !gone0(pid) {
				out[pid] = true
			}
		}
	}
	return out
}

// gone0 reports whether pid is gone now (or a zombie).
func gone0(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

// TestSpare: a program runs in a spare started for its options, with the
// arguments and environment it has without one; a spare started for
// another environment, or whose processes died, is ended and the program
// runs in processes of its own; Close ends a spare.
func TestSpare(t *testing.T) {
	w := newWorkspace(t)
	bin, err := w.Build(context.Background(), runner.Build{Source: []byte(echo)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range supervisorKinds(t)[1:] { // the spare is a supervisor
		for _, resident := range []string{"", bin} {
			kind := "waiting supervisor"
			if resident != "" {
				kind = "program started"
			}
			tests := []struct {
				name     string
				spareEnv string
				kill     bool
				used     bool
			}{
				{"used", "1", false, true},
				{"other environment", "0", false, false},
				{"died", "1", true, false},
			}
			for _, tt := range tests {
				t.Run(k.name+"/"+kind+"/"+tt.name, func(t *testing.T) {
					var o output
					opts := o.options()
					opts.Supervisor = k.bin
					opts.Env = []string{"SPARE_TEST=" + tt.spareEnv}
					spare, err := runner.StartSpare(resident, opts)
					if err != nil {
						t.Fatal(err)
					}
					pid := spare.Pid()
					if tt.kill {
						syscall.Kill(pid, syscall.SIGKILL)
						if !gone(pid) {
							t.Fatal("the spare did not die")
						}
					}
					opts.Env = []string{"SPARE_TEST=1"}
					opts.Args = []string{"a b", "c"}
					opts.Spare = spare
					p, err := runner.Start(context.Background(), bin, opts)
					if err != nil {
						t.Fatal(err)
					}
					if r := p.Wait(); !r.OK() {
						t.Fatalf("result %+v, stderr %q", r, o.stderr.String())
					}
					want := `args ["a b" "c"] env 1 ppid `
					got := o.stdout.String()
					if !strings.HasPrefix(got, want) {
						t.Errorf("the program printed %q, want %q and its supervisor's pid", got, want)
					}
					ppid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(got, want)))
					if spare.Used() != tt.used || (ppid == pid) != tt.used {
						t.Errorf("Used() = %v, program's parent %d, spare %d; want the spare used: %v", spare.Used(), ppid, pid, tt.used)
					}
					if !gone(pid) {
						t.Errorf("the spare (pid %d) is still running", pid)
					}
				})
			}
			t.Run(k.name+"/"+kind+"/closed", func(t *testing.T) {
				before := children(t)
				spare, err := runner.StartSpare(resident, runner.RunOptions{Supervisor: k.bin})
				if err != nil {
					t.Fatal(err)
				}
				spare.Close()
				for pid := range children(t) {
					if !before[pid] {
						t.Errorf("process %d is still running after Close", pid)
					}
				}
			})
		}
	}
}

// TestSpares: Take hands out the spare Prepare started, once; after
// Close, no spare runs and Take has none.
func TestSpares(t *testing.T) {
	before := children(t)
	s := runner.NewSpares(nil, 1)
	opts := runner.RunOptions{Supervisor: smallSupervisor(t)}
	s.Prepare(opts)
	spare := s.Take()
	if spare == nil || spare.Pid() == 0 {
		t.Fatal("Take after Prepare gave no spare")
	}
	if again := s.Take(); again != nil {
		t.Error("Take gave the same spare twice")
	}
	spare.Close()
	s.Prepare(opts)
	s.Close()
	if spare := s.Take(); spare != nil {
		t.Error("Take after Close gave a spare")
	}
	s.Prepare(opts)
	for pid := range children(t) {
		if !before[pid] {
			t.Errorf("process %d is still running after Close", pid)
		}
	}
}

// TestSparesKeepsSeveral: Spares made to keep two starts one until a
// spare was taken; then it hands out two distinct spares after one
// Prepare, then none until the next
// Prepare, which starts two again; Close ends them all.
func TestSparesKeepsSeveral(t *testing.T) {
	before := children(t)
	s := runner.NewSpares(nil, 2)
	opts := runner.RunOptions{Supervisor: smallSupervisor(t)}
	s.Prepare(opts)
	first := s.Take()
	if first == nil {
		t.Fatal("Take after Prepare gave no spare")
	}
	if again := s.Take(); again != nil {
		t.Error("before any Take, Prepare started two spares, want one")
		again.Close()
	}
	first.Close()
	for round := range 2 {
		s.Prepare(opts)
		a, b := s.Take(), s.Take()
		if a == nil || b == nil {
			t.Fatalf("round %d: Take after Prepare gave %v and %v, want two spares", round, a, b)
		}
		if a.Pid() == b.Pid() {
			t.Errorf("round %d: Take gave spare %d twice", round, a.Pid())
		}
		if c := s.Take(); c != nil {
			t.Errorf("round %d: a third Take gave spare %d, want none", round, c.Pid())
			c.Close()
		}
		a.Close()
		b.Close()
	}
	s.Prepare(opts)
	s.Close()
	for pid := range children(t) {
		if !before[pid] {
			t.Errorf("process %d is still running after Close", pid)
		}
	}
}

// TestSparesTakeFindingNone checks that a Take that finds no spare (the
// engine's program was still being built when its first cell came) counts
// as the engine being used: the next Prepare keeps the full set.
func TestSparesTakeFindingNone(t *testing.T) {
	s := runner.NewSpares(nil, 2)
	defer s.Close()
	if spare := s.Take(); spare != nil {
		t.Fatalf("Take before any Prepare gave spare %d, want none", spare.Pid())
	}
	s.Prepare(runner.RunOptions{Supervisor: smallSupervisor(t)})
	a, b := s.Take(), s.Take()
	if a == nil || b == nil {
		t.Fatalf("after a Take that found none, Prepare kept %v and %v, want two spares", a, b)
	}
	a.Close()
	b.Close()
}

// BenchmarkSpare runs a trivial program under the small supervisor,
// started afresh and in a spare started ahead, alternating, with a pause
// of 50 ms (outside the timer) before each run in which the spare starts,
// and reports the wall time of each and their ratio.
func BenchmarkSpare(b *testing.B) {
	w, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	bin, err := w.Build(context.Background(), runner.Build{Source: []byte("package main\nfunc main() { println(\"hi\") }\n")})
	if err != nil {
		b.Fatal(err)
	}
	opts := runner.RunOptions{Supervisor: smallSupervisor(b)}
	var took [2]time.Duration // fresh, spare
	for b.Loop() {
		for i := range took {
			b.StopTimer()
			opts.Spare = nil
			if i == 1 {
				if opts.Spare, err = runner.StartSpare("", opts); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(50 * time.Millisecond)
			b.StartTimer()
			start := time.Now()
			p, err := runner.Start(context.Background(), bin, opts)
			if err != nil {
				b.Fatal(err)
			}
			if r := p.Wait(); !r.OK() {
				b.Fatalf("%+v", r)
			}
			took[i] += time.Since(start)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(ms(took[0]), "fresh-ms")
	b.ReportMetric(ms(took[1]), "spare-ms")
	b.ReportMetric(float64(took[1])/float64(took[0]), "spare/fresh")
}
