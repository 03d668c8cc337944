package timeline

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"

	"asyncgo/helpers/timeline/internal/traceparse"
)

// TraceNameCategory is the runtime/trace log category that names a
// goroutine in a Trace: trace.Log(ctx, TraceNameCategory, "worker 1") called
// on a goroutine calls that goroutine "worker 1". NameGoroutine does exactly
// this.
const TraceNameCategory = traceparse.NameCategory

// ErrTraceActive is returned (wrapped) by Trace when the Go execution tracer
// is already running in this process: only one trace can be recorded at a
// time. Test with errors.Is.
var ErrTraceActive = traceparse.ErrTracing

// TraceOption changes what Trace draws.
type TraceOption func(*traceConfig)

type traceConfig struct {
	title      string
	procs      bool
	goroutines bool
}

// TraceTitle sets the title of the timeline Trace returns. The default is
// "runtime trace (GOMAXPROCS=N)".
func TraceTitle(title string) TraceOption {
	return func(c *traceConfig) { c.title = title }
}

// ProcLanesOnly makes Trace draw only the P lanes: which goroutine ran on
// which P. It undoes GoroutineLanesOnly.
func ProcLanesOnly() TraceOption {
	return func(c *traceConfig) { c.procs, c.goroutines = true, false }
}

// GoroutineLanesOnly makes Trace draw only the goroutine lanes: what each
// goroutine was doing. It undoes ProcLanesOnly.
func GoroutineLanesOnly() TraceOption {
	return func(c *traceConfig) { c.procs, c.goroutines = false, true }
}

// goroutineLabel is the pprof label that NameGoroutine sets: gokernel's
// debugger shows its value in JupyterLab's threads list.
const goroutineLabel = "goroutine"

// NameGoroutine names the calling goroutine in the timeline of a Trace in
// progress, by logging name under TraceNameCategory with runtime/trace
// (which does nothing when no trace is being recorded; call it first thing
// in the goroutine: the first name logged wins). It also gives the
// goroutine the pprof label goroutine=name (runtime/pprof), replacing its
// labels, so that debuggers and goroutine profiles name it too.
func NameGoroutine(name string) {
	ctx := context.Background()
	trace.Log(ctx, TraceNameCategory, name)
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels(goroutineLabel, name)))
}

// Named returns a function that names its goroutine with NameGoroutine and
// then calls f. Start it as a goroutine: go timeline.Named("worker", work)()
// or wg.Go(timeline.Named("worker", work)).
func Named(name string, f func()) func() {
	return func() {
		NameGoroutine(name)
		f()
	}
}

// Trace calls f with the Go execution tracer (runtime/trace) on, waits for
// it to return, and draws what the Go scheduler really did meanwhile. Time
// zero is the moment f was called; the axis ends when f returned.
//
// The timeline has, in this order:
//
//   - one lane per P, "P0" to "Pn-1" for GOMAXPROCS=n (even Ps that
//     stayed idle), with a Running span labelled with the goroutine's name
//     for each time one of f's goroutines ran on that P. Gaps are time the
//     P was idle or ran code that is not f's (the runtime, the tracer);
//   - one lane per goroutine, f's own first, then the goroutines it
//     started in creation order, with Running spans (labelled with the P),
//     Runnable spans (waiting for a P; labelled "preempted" or
//     "runtime.Gosched" when the goroutine was descheduled rather than
//     woken), Waiting spans for time.Sleep ("sleep"), network I/O
//     ("network") and system calls ("syscall"), and Blocked spans for
//     everything that waits on another goroutine ("chan send",
//     "chan recv", "select", "sync" for sync.Mutex, sync.RWMutex and
//     sync.WaitGroup, "cond wait", "forever", GC waits). runtime/trace.Log
//     calls appear as marks on their goroutine's lane.
//
// Only f's goroutine and goroutines started by it or by its goroutines
// appear; goroutines still running when f returns are drawn up to that
// moment, so f should wait for the goroutines it starts. A goroutine is
// named by the first rule that applies: NameGoroutine (or trace.Log with
// TraceNameCategory), the first region it begins (trace.WithRegion,
// trace.StartRegion), the first task it creates (trace.NewTask), "f" for
// f's own goroutine, or "g1", "g2", ... in creation order. Goroutines with
// the same name get " #2", " #3", ... appended; a name that is also a P
// lane's gets " (goroutine)" appended.
//
// Trace returns an error wrapping ErrTraceActive if the tracer is already
// running, and an error if f panics or calls runtime.Goexit.
func Trace(f func(), opts ...TraceOption) (*Timeline, error) {
	c := traceConfig{procs: true, goroutines: true}
	for _, o := range opts {
		o(&c)
	}
	res, err := traceparse.Run(f)
	if err != nil {
		return nil, fmt.Errorf("timeline.Trace: %w", err)
	}
	// f may have changed GOMAXPROCS: name the setting it left, and draw
	// every P that ran something.
	procs := runtime.GOMAXPROCS(0)
	if c.title == "" {
		c.title = fmt.Sprintf("runtime trace (GOMAXPROCS=%d)", procs)
	}
	for _, r := range res.Runs {
		procs = max(procs, r.Proc+1)
	}
	t := New(c.title)
	t.SetOptions(Options{End: res.Duration})

	procLane := func(p int) string { return "P" + strconv.Itoa(p) }
	isProcLane := make(map[string]bool, procs)
	for p := range procs {
		isProcLane[procLane(p)] = true
	}
	if c.procs {
		t.procLanes = isProcLane
	}
	lanes := make(map[int64]string, len(res.Goroutines))
	for _, g := range res.Goroutines {
		lanes[g.ID] = g.Name
		if isProcLane[g.Name] {
			lanes[g.ID] = g.Name + " (goroutine)"
		}
	}

	if c.procs {
		for p := range procs {
			t.Lane(procLane(p))
		}
		for _, r := range res.Runs {
			name := lanes[r.Goroutine]
			t.Add(Span{
				Lane: procLane(r.Proc), Kind: Running, Label: name, Start: r.Start, End: r.End,
				Detail: fmt.Sprintf("goroutine %d (%s) running on P%d", r.Goroutine, name, r.Proc),
			})
		}
	}
	if c.goroutines {
		for _, g := range res.Goroutines {
			lane := lanes[g.ID]
			t.Lane(lane)
			for _, iv := range g.Intervals {
				kind, label, detail := describe(iv)
				t.Add(Span{
					Lane: lane, Kind: kind, Label: label, Start: iv.Start, End: iv.End,
					Detail: fmt.Sprintf("goroutine %d (%s) %s", g.ID, lane, detail),
				})
			}
			for _, l := range g.Logs {
				label := l.Message
				if l.Category != "" {
					label = l.Category + ": " + l.Message
				}
				t.AddMark(Mark{Lane: lane, Label: label, At: l.At})
			}
		}
	}
	return t, nil
}

// describe returns the kind, label and hover text of a goroutine interval.
func describe(iv traceparse.Interval) (Kind, string, string) {
	switch iv.State {
	case traceparse.Running:
		p := "P" + strconv.Itoa(iv.Proc)
		return Running, p, "running on " + p
	case traceparse.Runnable:
		if iv.Reason != "" {
			return Runnable, iv.Reason, "runnable, waiting for a P after being descheduled (" + iv.Reason + ")"
		}
		return Runnable, "", "runnable, waiting for a P"
	case traceparse.Syscall:
		return Waiting, "syscall", "in a system call"
	}
	switch iv.Reason {
	case "sleep":
		return Waiting, "sleep", "waiting for a timer (time.Sleep)"
	case "network":
		return Waiting, "network", "waiting for network I/O"
	case "chan send", "select":
		return Blocked, iv.Reason, "blocked on " + iv.Reason
	case "chan receive":
		return Blocked, "chan recv", "blocked on chan receive"
	case "sync":
		return Blocked, "sync", "blocked on sync.Mutex, sync.RWMutex or sync.WaitGroup"
	case "sync.(*Cond).Wait":
		return Blocked, "cond wait", "blocked in sync.(*Cond).Wait"
	case "forever":
		return Blocked, "forever", "blocked forever (empty select or nil channel)"
	}
	return Blocked, iv.Reason, "blocked: " + iv.Reason
}
