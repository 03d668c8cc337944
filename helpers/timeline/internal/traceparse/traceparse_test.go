package traceparse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/internal/parked"
	"asyncgo/helpers/timeline/internal/traceparse"
)

// withProcs runs fn with GOMAXPROCS set to n, restoring it afterwards.
func withProcs(t testing.TB, n int, fn func()) {
	t.Helper()
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	fn()
}

// spin burns CPU for roughly d without blocking.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// find returns the goroutine called name, failing the test if there is none.
func find(t *testing.T, res *traceparse.Result, name string) traceparse.Goroutine {
	t.Helper()
	for _, g := range res.Goroutines {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no goroutine named %q; have %v", name, names(res))
	return traceparse.Goroutine{}
}

func names(res *traceparse.Result) []string {
	var out []string
	for _, g := range res.Goroutines {
		out = append(out, g.Name)
	}
	return out
}

func hasBlock(g traceparse.Goroutine, reason string) bool {
	for _, iv := range g.Intervals {
		if iv.State == traceparse.Blocked && iv.Reason == reason {
			return true
		}
	}
	return false
}

// checkInvariants checks what must hold for every Result: intervals ordered,
// non-overlapping and within [0, Duration]; Running intervals on a valid P,
// the others on none; Runs exactly the Running intervals, never two at once
// on one P.
func checkInvariants(t *testing.T, res *traceparse.Result) {
	t.Helper()
	if res.Duration <= 0 {
		t.Fatalf("Duration = %v, want > 0", res.Duration)
	}
	if len(res.Goroutines) == 0 || res.Goroutines[0].Name != "f" && res.Goroutines[0].Parent != 0 {
		t.Fatalf("first goroutine should be f's own: %+v", res.Goroutines)
	}
	running := 0
	seen := map[string]bool{}
	for _, g := range res.Goroutines {
		if seen[g.Name] {
			t.Errorf("duplicate goroutine name %q", g.Name)
		}
		seen[g.Name] = true
		var last time.Duration
		for i, iv := range g.Intervals {
			if iv.Start < last || iv.End <= iv.Start || iv.End > res.Duration {
				t.Errorf("%s interval %d [%v, %v] is out of order or outside [0, %v]", g.Name, i, iv.Start, iv.End, res.Duration)
			}
			last = iv.End
			if (iv.State == traceparse.Running) != (iv.Proc >= 0) {
				t.Errorf("%s interval %d: state %v with P %d", g.Name, i, iv.State, iv.Proc)
			}
			if iv.State == traceparse.Running {
				running++
				if res.Procs > 0 && iv.Proc >= res.Procs {
					t.Errorf("%s ran on P%d but GOMAXPROCS was %d", g.Name, iv.Proc, res.Procs)
				}
			}
		}
	}
	if len(res.Runs) != running {
		t.Errorf("%d Runs for %d Running intervals", len(res.Runs), running)
	}
	for i := 1; i < len(res.Runs); i++ {
		a, b := res.Runs[i-1], res.Runs[i]
		if a.Proc == b.Proc && b.Start < a.End {
			t.Errorf("goroutines %d and %d overlap on P%d: [%v, %v] and [%v, %v]", a.Goroutine, b.Goroutine, a.Proc, a.Start, a.End, b.Start, b.End)
		}
		if a.Proc > b.Proc || a.Proc == b.Proc && a.Start > b.Start {
			t.Errorf("Runs not sorted at %d: %+v then %+v", i, a, b)
		}
	}
}

// workers starts three goroutines, named in the three supported ways, that
// each sleep and compute twice, and waits for them.
func workers() {
	ctx := context.Background()
	var wg sync.WaitGroup
	work := func() {
		for range 2 {
			time.Sleep(2 * time.Millisecond)
			spin(time.Millisecond)
		}
	}
	wg.Go(func() {
		trace.Log(ctx, traceparse.NameCategory, "logged")
		work()
	})
	wg.Go(func() { trace.WithRegion(ctx, "region", work) })
	wg.Go(func() {
		_, task := trace.NewTask(ctx, "task")
		defer task.End()
		work()
	})
	wg.Wait()
}

func TestRunWorkers(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			var res *traceparse.Result
			var err error
			var wall time.Duration
			withProcs(t, procs, func() {
				start := time.Now()
				res, err = traceparse.Run(workers)
				wall = time.Since(start)
			})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, res)
			if res.Procs != procs {
				t.Errorf("Procs = %d, want %d", res.Procs, procs)
			}
			if res.Duration > wall {
				t.Errorf("Duration %v exceeds the wall time of Run, %v", res.Duration, wall)
			}
			if got := names(res); len(got) != 4 {
				t.Errorf("goroutines = %q, want f and the three workers only", got)
			}
			root := find(t, res, "f")
			for _, name := range []string{"logged", "region", "task"} {
				g := find(t, res, name)
				if g.Parent != root.ID {
					t.Errorf("%s: Parent = %d, want f's goroutine %d", name, g.Parent, root.ID)
				}
				if !hasBlock(g, "sleep") {
					t.Errorf("%s has no blocked-on-sleep interval: %+v", name, g.Intervals)
				}
			}
			if procs == 1 {
				for _, r := range res.Runs {
					if r.Proc != 0 {
						t.Errorf("with GOMAXPROCS=1 goroutine %d ran on P%d", r.Goroutine, r.Proc)
					}
				}
			}
		})
	}
}

func TestRunBlockReasons(t *testing.T) {
	tests := []struct {
		name    string
		f       func()
		who     []string // goroutines that must block for one of the reasons
		reasons []string
	}{
		{
			name: "channel ping-pong",
			f: func() {
				ping, pong := make(chan int), make(chan int)
				done := make(chan struct{})
				go func() {
					defer close(done)
					trace.Log(context.Background(), traceparse.NameCategory, "ponger")
					for v := range ping {
						spin(100 * time.Microsecond)
						pong <- v + 1
					}
				}()
				// Each side computes before it sends, so the other
				// side is already waiting to receive.
				for i := range 5 {
					spin(100 * time.Microsecond)
					ping <- i
					<-pong
				}
				close(ping)
				<-done
			},
			// Which side waits to send and which to receive depends
			// on the scheduler: with one P, a sender finds the
			// receiver runnable rather than waiting, and blocks.
			who:     []string{"f", "ponger"},
			reasons: []string{"chan send", "chan receive"},
		},
		{
			name: "select",
			f: func() {
				a, b := make(chan int), make(chan int)
				// Long enough for f to reach the select first even
				// when the OS stalls its thread for a while.
				go func() { time.Sleep(20 * time.Millisecond); b <- 1 }()
				select {
				case <-a:
				case <-b:
				}
			},
			who:     []string{"f"},
			reasons: []string{"select"},
		},
	}
	for _, tt := range tests {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/GOMAXPROCS=%d", tt.name, procs), func(t *testing.T) {
				var res *traceparse.Result
				var err error
				withProcs(t, procs, func() { res, err = traceparse.Run(tt.f) })
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, res)
				for _, name := range tt.who {
					g := find(t, res, name)
					if !slices.ContainsFunc(tt.reasons, func(r string) bool { return hasBlock(g, r) }) {
						t.Errorf("%s never blocked on any of %q: %+v", name, tt.reasons, g.Intervals)
					}
				}
			})
		}
	}
}

func TestRunMutexContention(t *testing.T) {
	contend := func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		mu.Lock()
		for i := range 3 {
			wg.Go(func() {
				trace.Log(context.Background(), traceparse.NameCategory, fmt.Sprint("locker ", i))
				mu.Lock()
				time.Sleep(time.Millisecond)
				mu.Unlock()
			})
		}
		// Every locker waits in Lock before f lets go, whatever the OS
		// does to the test's threads.
		if err := parked.Await(3, "sync.Mutex.Lock", 10*time.Second); err != nil {
			panic(err)
		}
		mu.Unlock()
		wg.Wait()
	}
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			var res *traceparse.Result
			var err error
			withProcs(t, procs, func() { res, err = traceparse.Run(contend) })
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, res)
			waited := 0
			for i := range 3 {
				if hasBlock(find(t, res, fmt.Sprint("locker ", i)), "sync") {
					waited++
				}
			}
			if waited != 3 {
				t.Errorf("%d of 3 goroutines blocked on the mutex, want 3", waited)
			}
			// wg.Wait parks with the same reason.
			if !hasBlock(res.Goroutines[0], "sync") {
				t.Errorf("f never blocked in wg.Wait: %+v", res.Goroutines[0].Intervals)
			}
		})
	}
}

func TestRunNaming(t *testing.T) {
	res, err := traceparse.Run(func() {
		var wg sync.WaitGroup
		ctx := context.Background()
		for range 2 {
			wg.Go(func() { trace.Log(ctx, traceparse.NameCategory, "same") })
			wg.Wait()
		}
		wg.Go(func() {
			trace.WithRegion(ctx, "region first", func() {})
			trace.Log(ctx, traceparse.NameCategory, "log wins")
		})
		wg.Wait()
		wg.Go(func() {})
		wg.Wait()
		// A grandchild is f's too.
		wg.Go(func() {
			var inner sync.WaitGroup
			inner.Go(func() { trace.Log(ctx, traceparse.NameCategory, "grandchild") })
			inner.Wait()
		})
		wg.Wait()
		trace.WithRegion(ctx, "root region", func() {})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"root region", "same", "same #2", "log wins", "g4", "g5", "grandchild"}
	if got := names(res); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("names = %q, want %q", got, want)
	}
	if g := find(t, res, "grandchild"); g.Parent != find(t, res, "g5").ID {
		t.Errorf("grandchild's parent = %d, want g5", g.Parent)
	}
	if g := find(t, res, "g4"); !strings.HasPrefix(g.Func, "sync.(*WaitGroup).Go") {
		t.Errorf("g4.Func = %q, want the WaitGroup.Go wrapper", g.Func)
	}
}

func TestRunExcludesOtherGoroutines(t *testing.T) {
	// A goroutine that exists before Run and runs during it must not appear.
	wake, woke := make(chan struct{}), make(chan struct{})
	go func() {
		<-wake
		spin(time.Millisecond)
		close(woke)
	}()
	res, err := traceparse.Run(func() {
		close(wake)
		<-woke
		runtime.GC() // may start runtime goroutines from f's goroutine
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); len(got) != 1 || got[0] != "f" {
		t.Errorf("goroutines = %q, want only f", got)
	}
}

func TestRunLogsAndLiveGoroutines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	res, err := traceparse.Run(func() {
		started := make(chan struct{})
		go func() {
			trace.Log(context.Background(), traceparse.NameCategory, "stuck")
			close(started)
			<-release
		}()
		<-started
		trace.Log(context.Background(), "step", "started")
	})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	root := res.Goroutines[0]
	if len(root.Logs) != 1 || root.Logs[0].Category != "step" || root.Logs[0].Message != "started" {
		t.Errorf("f's logs = %+v, want one step/started log", root.Logs)
	}
	stuck := find(t, res, "stuck")
	last := stuck.Intervals[len(stuck.Intervals)-1]
	if last.State != traceparse.Blocked || last.Reason != "chan receive" || last.End != res.Duration {
		t.Errorf("stuck goroutine's last interval = %+v, want blocked on chan receive until %v", last, res.Duration)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"panic", func() { panic("boom") }, "panicked: boom"},
		{"Goexit", runtime.Goexit, "runtime.Goexit"},
		{"nested Run", func() {
			_, err := traceparse.Run(func() {})
			if !errors.Is(err, traceparse.ErrTracing) {
				panic(fmt.Sprintf("nested Run: err = %v, want ErrTracing", err))
			}
			panic("nested ok")
		}, "panicked: nested ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := traceparse.Run(tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, %v; want error containing %q", res, err, tt.want)
			}
			if trace.IsEnabled() {
				t.Fatal("tracing still enabled after Run returned")
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	var foreign bytes.Buffer
	if err := trace.Start(&foreign); err != nil {
		t.Fatal(err)
	}
	trace.Stop()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not a trace", []byte("hello"), "not a Go execution trace"},
		{"trace not recorded by Run", foreign.Bytes(), "only traces recorded with traceparse.Run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := traceparse.Parse(bytes.NewReader(tt.data)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func BenchmarkRun1000Goroutines(b *testing.B) {
	f := func() {
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() { time.Sleep(time.Microsecond) })
		}
		wg.Wait()
	}
	var intervals int
	for b.Loop() {
		res, err := traceparse.Run(f)
		if err != nil {
			b.Fatal(err)
		}
		intervals = 0
		for _, g := range res.Goroutines {
			intervals += len(g.Intervals)
		}
		if len(res.Goroutines) != 1001 {
			b.Fatalf("%d goroutines, want 1001", len(res.Goroutines))
		}
	}
	b.ReportMetric(float64(intervals), "intervals/op")
}
