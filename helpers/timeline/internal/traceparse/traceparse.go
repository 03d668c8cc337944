// Package traceparse runs a function under the Go execution tracer
// (runtime/trace) and turns the recorded trace into plain intervals: which
// goroutine ran on which P and when, and what state each goroutine was in
// (running, runnable, blocked and why, in a system call).
//
// Only the traced function's own goroutine and the goroutines it starts,
// directly or through goroutines it started, are reported; see [Run] for the
// exact rule and [Goroutine.Name] for how goroutines get their names.
//
// The package does not depend on any rendering code: it produces a [Result]
// that callers draw however they like.
package traceparse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"time"
)

// NameCategory is the log category that names a goroutine: a goroutine that
// calls trace.Log(ctx, NameCategory, "worker 1") is called "worker 1".
const NameCategory = "name"

// rootRegion is the region type Run wraps around the traced function. Its
// begin and end events identify the traced function's goroutine and define
// time zero and the end of the trace.
const rootRegion = "asyncgo/traceparse.Run"

// ErrTracing is returned (wrapped) by Run when the execution tracer is
// already running in this process, for example because another Run call or
// "go test -trace" is active. Only one trace can be recorded at a time.
var ErrTracing = errors.New("the Go execution tracer is already running in this process")

// State is what a goroutine is doing during an [Interval].
type State uint8

// The states a goroutine can be in while it exists.
const (
	// Running: executing Go code on a P (Interval.Proc says which).
	Running State = iota + 1
	// Runnable: ready to run, waiting for a P.
	Runnable
	// Blocked: parked until something happens (Interval.Reason says what).
	Blocked
	// Syscall: inside a system call (or cgo call).
	Syscall
)

// String returns the lower-case name of the state, e.g. "running".
func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Runnable:
		return "runnable"
	case Blocked:
		return "blocked"
	case Syscall:
		return "syscall"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Interval is a stretch of time during which a goroutine stayed in one state.
// Times are relative to the moment the traced function was called.
type Interval struct {
	Start, End time.Duration
	State      State
	// Proc is the P the goroutine ran on; -1 unless State is Running.
	Proc int
	// Reason is the runtime's reason for a Blocked interval or for a
	// Runnable interval that began with the goroutine being descheduled.
	// The runtime's strings are passed through unchanged; the usual ones
	// are "sleep", "chan send", "chan receive", "select", "sync" (sync.Mutex,
	// sync.RWMutex, sync.WaitGroup), "sync.(*Cond).Wait", "network",
	// "forever" (select{} or a nil channel), "GC mark assist wait for work",
	// "wait until GC ends", "preempted" and "runtime.Gosched". It is empty
	// for a Runnable interval that follows creation or an unblock.
	Reason string
}

// Log is a runtime/trace.Log call made by a goroutine (other than a
// NameCategory log, which names the goroutine instead).
type Log struct {
	At       time.Duration
	Category string
	Message  string
}

// Goroutine is one goroutine of the traced function.
type Goroutine struct {
	// ID is the runtime's goroutine ID.
	ID int64
	// Parent is the ID of the goroutine that started this one (0 for the
	// traced function's own goroutine).
	Parent int64
	// Name is unique within a Result. It is chosen by the first rule that
	// applies:
	//   1. the message of the goroutine's first trace.Log with category
	//      NameCategory ("name");
	//   2. the type of the first region (trace.WithRegion, trace.StartRegion)
	//      the goroutine begins;
	//   3. the type of the first task (trace.NewTask) the goroutine creates;
	//   4. "f" for the traced function's own goroutine, otherwise "g" and the
	//      goroutine's position in creation order: "g1", "g2", ...
	// When several goroutines end up with the same name, the second gets
	// " #2" appended, the third " #3", and so on, in creation order.
	Name string
	// Func is the function the goroutine was started with, as the runtime
	// names it (e.g. "main.worker" or "main.main.func1"). Empty for the
	// traced function's own goroutine.
	Func string
	// Intervals are in time order and do not overlap. Time in which the
	// goroutine did not exist (before creation, after exit) has no interval.
	Intervals []Interval
	// Logs are the goroutine's trace.Log calls, in time order.
	Logs []Log
}

// ProcRun is a stretch of time during which one goroutine ran on one P.
type ProcRun struct {
	Proc       int
	Goroutine  int64
	Start, End time.Duration
}

// Result is a parsed trace of one traced function.
type Result struct {
	// Duration is how long the traced function ran, measured on the trace
	// clock; every interval lies within [0, Duration].
	Duration time.Duration
	// Procs is GOMAXPROCS while the function ran: Ps are numbered 0..Procs-1.
	// Zero if the trace was not recorded by Run.
	Procs int
	// Goroutines starts with the traced function's own goroutine, followed
	// by the goroutines it started in creation order.
	Goroutines []Goroutine
	// Runs lists when the goroutines above ran on which P, sorted by P and
	// then start time. Runs on one P never overlap.
	Runs []ProcRun
}

// Run records an execution trace of f and parses it.
//
// f is called on a new goroutine, which Run waits for. Goroutines that are
// still alive when f returns are shown up to that moment; f should wait for
// the goroutines it starts if their whole life is of interest.
//
// The goroutines reported are f's own goroutine and every goroutine created
// by a reported goroutine (transitively), except goroutines whose start
// function belongs to the runtime (package runtime or internal/...), such as
// GC workers the runtime starts lazily from whatever goroutine triggers the
// first collection. Goroutines started by the runtime on f's behalf from
// elsewhere, such as time.AfterFunc callbacks, are not reported, nor is the
// tracer's own goroutine or anything that existed before f.
//
// Run returns an error wrapping ErrTracing if the tracer is already running,
// an error if f panics or calls runtime.Goexit (the trace is discarded), and
// an error if the trace cannot be parsed.
func Run(f func()) (*Result, error) {
	procs := runtime.GOMAXPROCS(0)
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		return nil, fmt.Errorf("traceparse: cannot start the execution tracer (%w): %v; stop the other trace first", ErrTracing, err)
	}
	outcome := make(chan error, 1)
	go runRoot(f, outcome)
	ferr := <-outcome
	trace.Stop()
	if ferr != nil {
		return nil, ferr
	}
	res, err := Parse(&buf)
	if err != nil {
		return nil, err
	}
	res.Procs = procs
	return res, nil
}

// runRoot calls f inside the root region and reports how f ended.
func runRoot(f func(), outcome chan<- error) {
	returned := false
	defer func() {
		switch v := recover(); {
		case v != nil:
			outcome <- fmt.Errorf("traceparse: the traced function panicked: %v\n%s", v, debug.Stack())
		case !returned:
			outcome <- errors.New("traceparse: the traced function called runtime.Goexit (t.FailNow?); no timeline was made")
		default:
			outcome <- nil
		}
	}()
	trace.WithRegion(context.Background(), rootRegion, f)
	returned = true
}

// Parse parses an execution trace recorded by Run. It is exported so that a
// trace kept as bytes can be parsed again; traces recorded any other way lack
// the marker region Run adds and are rejected. Result.Procs is left zero.
func Parse(r io.Reader) (*Result, error) {
	p, err := newParser(r)
	if err != nil {
		return nil, err
	}
	if err := p.readAll(); err != nil {
		return nil, err
	}
	return p.result()
}
