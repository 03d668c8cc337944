package timeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/internal/parked"
	"asyncgo/helpers/timeline"
)

// traceAt runs timeline.Trace with GOMAXPROCS set to procs.
func traceAt(t testing.TB, procs int, f func(), opts ...timeline.TraceOption) *timeline.Timeline {
	t.Helper()
	old := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(old)
	tl, err := timeline.Trace(f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// spin burns CPU for roughly d without blocking.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func byLane(tl *timeline.Timeline) map[string][]timeline.Span {
	m := map[string][]timeline.Span{}
	for _, s := range tl.Spans() {
		m[s.Lane] = append(m[s.Lane], s)
	}
	return m
}

func isProcLane(name string) bool {
	return strings.HasPrefix(name, "P") && strings.Trim(name[1:], "0123456789") == "" && len(name) > 1
}

// checkStructure checks what every traced timeline must satisfy: spans
// within [0, end of f], no two spans of one lane overlapping (one goroutine
// per P at a time, one state per goroutine at a time), P lanes holding only
// Running spans labelled with goroutine names (those of the goroutine lanes
// when there are any).
func checkStructure(t *testing.T, tl *timeline.Timeline) {
	t.Helper()
	end := tl.Options().End
	if end <= 0 {
		t.Fatalf("Options().End = %v, want the duration of f", end)
	}
	lanes := slices.DeleteFunc(tl.Lanes(), isProcLane)
	for lane, spans := range byLane(tl) {
		for i, s := range spans {
			if s.Start < 0 || s.End > end || s.End <= s.Start {
				t.Errorf("%s span %+v outside [0, %v] or empty", lane, s, end)
			}
			if i > 0 && s.Start < spans[i-1].End {
				t.Errorf("%s: spans overlap: %+v and %+v", lane, spans[i-1], s)
			}
			if isProcLane(lane) && (s.Kind != timeline.Running || s.Label == "" || len(lanes) > 0 && !slices.Contains(lanes, s.Label)) {
				t.Errorf("%s span %+v is not a Running span of a goroutine lane", lane, s)
			}
		}
	}
}

func hasSpan(spans []timeline.Span, kind timeline.Kind, labels ...string) bool {
	return slices.ContainsFunc(spans, func(s timeline.Span) bool {
		return s.Kind == kind && slices.Contains(labels, s.Label)
	})
}

func TestTraceWorkers(t *testing.T) {
	work := func() {
		for range 2 {
			time.Sleep(2 * time.Millisecond)
			spin(time.Millisecond)
		}
	}
	f := func() {
		var wg sync.WaitGroup
		// "named" starts work only once f waits in wg.Wait, so f's lane
		// shows that wait however the OS schedules the test.
		wg.Go(timeline.Named("named", func() {
			if err := parked.Await(1, "sync.WaitGroup.Wait", 10*time.Second); err != nil {
				panic(err)
			}
			work()
		}))
		wg.Go(func() { timeline.NameGoroutine("self-named"); work() })
		wg.Go(func() { trace.WithRegion(context.Background(), "region", work) })
		wg.Wait()
	}
	tests := []struct {
		procs int
		lanes []string
	}{
		{1, []string{"P0", "f", "named", "self-named", "region"}},
		{2, []string{"P0", "P1", "f", "named", "self-named", "region"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", tt.procs), func(t *testing.T) {
			tl := traceAt(t, tt.procs, f)
			checkStructure(t, tl)
			if got := tl.Lanes(); !slices.Equal(got, tt.lanes) {
				t.Fatalf("lanes = %q, want %q", got, tt.lanes)
			}
			if want := fmt.Sprintf("runtime trace (GOMAXPROCS=%d)", tt.procs); tl.Title() != want {
				t.Errorf("title = %q, want %q", tl.Title(), want)
			}
			spans := byLane(tl)
			for _, name := range []string{"named", "self-named", "region"} {
				if !hasSpan(spans[name], timeline.Waiting, "sleep") {
					t.Errorf("%s has no Waiting sleep span: %+v", name, spans[name])
				}
				if !hasSpan(spans[name], timeline.Running, "P0", "P1") {
					t.Errorf("%s never ran: %+v", name, spans[name])
				}
				if !hasSpan(spans["P0"], timeline.Running, name) && !hasSpan(spans["P1"], timeline.Running, name) {
					t.Errorf("%s never appears on a P lane", name)
				}
			}
			if !hasSpan(spans["f"], timeline.Blocked, "sync") {
				t.Errorf("f never blocked in wg.Wait: %+v", spans["f"])
			}
		})
	}
}

func TestTraceBlocking(t *testing.T) {
	tests := []struct {
		name   string
		f      func()
		lanes  []string // goroutine lanes that must have a Blocked span...
		labels []string // ...with one of these labels
	}{
		{
			name: "channel ping-pong",
			f: func() {
				ping, pong := make(chan int), make(chan int)
				done := make(chan struct{})
				go timeline.Named("ponger", func() {
					defer close(done)
					for v := range ping {
						spin(100 * time.Microsecond)
						pong <- v
					}
				})()
				for i := range 5 {
					spin(100 * time.Microsecond)
					ping <- i
					<-pong
				}
				close(ping)
				<-done
			},
			// Which side waits to send and which to receive depends on
			// the number of Ps; both sides wait on a channel.
			lanes:  []string{"f", "ponger"},
			labels: []string{"chan send", "chan recv"},
		},
		{
			name: "mutex contention",
			f: func() {
				var mu sync.Mutex
				var wg sync.WaitGroup
				mu.Lock()
				for i := range 3 {
					wg.Go(timeline.Named(fmt.Sprint("locker ", i), func() {
						mu.Lock()
						time.Sleep(time.Millisecond)
						mu.Unlock()
					}))
				}
				// f lets go only once every locker waits in Lock, so
				// all three block however the OS schedules the test.
				if err := parked.Await(3, "sync.Mutex.Lock", 10*time.Second); err != nil {
					panic(err)
				}
				mu.Unlock()
				wg.Wait()
			},
			lanes:  []string{"f"},
			labels: []string{"sync"},
		},
	}
	for _, tt := range tests {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/GOMAXPROCS=%d", tt.name, procs), func(t *testing.T) {
				tl := traceAt(t, procs, tt.f)
				checkStructure(t, tl)
				spans := byLane(tl)
				for _, lane := range tt.lanes {
					if !hasSpan(spans[lane], timeline.Blocked, tt.labels...) {
						t.Errorf("%s has no Blocked span labelled %q: %+v", lane, tt.labels, spans[lane])
					}
				}
				blocked := 0
				for lane, s := range spans {
					if strings.HasPrefix(lane, "locker ") && hasSpan(s, timeline.Blocked, "sync") {
						blocked++
					}
				}
				if tt.name == "mutex contention" && blocked != 3 {
					t.Errorf("%d lockers blocked on the mutex, want 3", blocked)
				}
			})
		}
	}
}

func TestTraceOptions(t *testing.T) {
	f := func() {
		var wg sync.WaitGroup
		wg.Go(timeline.Named("P0", func() { time.Sleep(time.Millisecond) }))
		wg.Wait()
		trace.Log(context.Background(), "step", "done")
	}
	tests := []struct {
		name  string
		opts  []timeline.TraceOption
		title string
		lanes []string
		marks int
	}{
		{"default", nil, "runtime trace (GOMAXPROCS=1)", []string{"P0", "f", "P0 (goroutine)"}, 1},
		{"procs only", []timeline.TraceOption{timeline.ProcLanesOnly()}, "runtime trace (GOMAXPROCS=1)", []string{"P0"}, 0},
		{"goroutines only", []timeline.TraceOption{timeline.GoroutineLanesOnly(), timeline.TraceTitle("mine")}, "mine", []string{"f", "P0 (goroutine)"}, 1},
		{"last wins", []timeline.TraceOption{timeline.GoroutineLanesOnly(), timeline.ProcLanesOnly()}, "runtime trace (GOMAXPROCS=1)", []string{"P0"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := traceAt(t, 1, f, tt.opts...)
			checkStructure(t, tl)
			if tl.Title() != tt.title {
				t.Errorf("title = %q, want %q", tl.Title(), tt.title)
			}
			if got := tl.Lanes(); !slices.Equal(got, tt.lanes) {
				t.Errorf("lanes = %q, want %q", got, tt.lanes)
			}
			marks := tl.Marks()
			if len(marks) != tt.marks || tt.marks == 1 && (marks[0].Lane != "f" || marks[0].Label != "step: done") {
				t.Errorf("marks = %+v, want %d mark(s) \"step: done\" on f", marks, tt.marks)
			}
		})
	}
}

func TestTraceErrors(t *testing.T) {
	if err := trace.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	_, err := timeline.Trace(func() {})
	trace.Stop()
	if !errors.Is(err, timeline.ErrTraceActive) {
		t.Errorf("Trace while tracing: err = %v, want ErrTraceActive", err)
	}
	_, err = timeline.Trace(func() { panic("oops") })
	if err == nil || !strings.Contains(err.Error(), "panicked: oops") {
		t.Errorf("Trace of a panicking f: err = %v, want the panic reported", err)
	}
}

func BenchmarkTrace1000Goroutines(b *testing.B) {
	f := func() {
		var wg sync.WaitGroup
		for range 1000 {
			wg.Go(func() { time.Sleep(time.Microsecond) })
		}
		wg.Wait()
	}
	var spans int
	for b.Loop() {
		tl, err := timeline.Trace(f)
		if err != nil {
			b.Fatal(err)
		}
		spans = len(tl.Spans())
	}
	b.ReportMetric(float64(spans), "spans/op")
}

// Trace shows how goroutines share the Ps. With GOMAXPROCS=1 both workers
// take turns on P0; their lanes show when each one ran, waited for P0, or
// slept. The lanes are stable; the spans differ from run to run.
func ExampleTrace() {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	work := func() {
		time.Sleep(time.Millisecond)
		spin(time.Millisecond)
	}
	tl, err := timeline.Trace(func() {
		var wg sync.WaitGroup
		wg.Go(timeline.Named("fetch", work))
		wg.Go(timeline.Named("parse", work))
		wg.Wait()
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tl.Lanes())
	// Output: [P0 f fetch parse]
}

func TestTraceSummaryCountsGoroutinesOnce(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprint("GOMAXPROCS=", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			tl, err := timeline.Trace(func() {
				var wg sync.WaitGroup
				for i := range 3 {
					wg.Go(timeline.Named(fmt.Sprint("spin ", i), func() { spin(3 * time.Millisecond) }))
				}
				wg.Wait()
			})
			if err != nil {
				t.Fatal(err)
			}
			s := tl.Summary()
			if s.MaxRunning > procs {
				t.Errorf("summary %v: %d running at once on %d Ps", s, s.MaxRunning, procs)
			}
			if s.Busy > s.Wall*time.Duration(procs)+time.Millisecond {
				t.Errorf("summary %v: busy longer than wall × GOMAXPROCS", s)
			}
		})
	}
}

func TestTraceTitleFollowsGOMAXPROCSSetInside(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tl, err := timeline.Trace(func() { runtime.GOMAXPROCS(1) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tl.Title(), "GOMAXPROCS=1") {
		t.Errorf("title %q, want the GOMAXPROCS f left", tl.Title())
	}
}

func TestTracePictureFooterMatchesSummary(t *testing.T) {
	tl, err := timeline.Trace(func() {
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(timeline.Named(fmt.Sprint("c", i), func() { spin(time.Millisecond) }))
		}
		wg.Wait()
	})
	if err != nil {
		t.Fatal(err)
	}
	want := tl.Summary().String()
	for name, picture := range map[string]string{"SVG": tl.SVG(), "text": tl.Text()} {
		if !strings.Contains(picture, want) {
			t.Errorf("the %s footer does not say %q", name, want)
		}
	}
}

// TestNameGoroutineLabels checks that a named goroutine carries its name
// as a pprof label, which goroutine profiles and debuggers show.
func TestNameGoroutineLabels(t *testing.T) {
	named := make(chan bool)
	done := make(chan bool)
	go timeline.Named("label checker", func() { named <- true; <-done })()
	<-named
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	close(done)
	if !strings.Contains(b.String(), `"goroutine":"label checker"`) {
		t.Errorf("no goroutine labelled goroutine=label checker in the profile:\n%s", b.String())
	}
}
