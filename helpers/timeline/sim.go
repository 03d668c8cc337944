package timeline

import (
	"container/heap"
	"fmt"
	"strconv"
	"time"
)

// SimOptions configure a Sim.
type SimOptions struct {
	// Workers is how many tasks may Work at the same instant: cooks in a
	// kitchen, CPUs in a machine. 0 means no limit.
	Workers int
	// WorkerName names the worker lanes of Sim.Workers: "cook" gives
	// "cook 1", "cook 2", ... ; "" means "worker".
	WorkerName string
}

// Sim runs a story in virtual time: tasks that work, wait and wait for
// each other, on a clock of its own that jumps from one event to the next.
// Simulated minutes take no real time, timestamps are exact, and the same
// story gives the same timeline, byte for byte, on every run.
//
// Tasks run one at a time, each in its own goroutine, handed control by
// Run; virtual time moves on only when every task is blocked in a Task
// method. Tasks that become ready at the same instant run in a fixed
// order: first in, first out.
type Sim struct {
	opts    SimOptions
	tasks   *Timeline // one lane per task
	workers *Timeline // one lane per worker; nil if Workers is 0

	now    time.Duration
	ready  []*Task // tasks to resume now, in order
	timers timerQueue
	seq    int        // orders timers set for the same instant
	busy   []bool     // per worker: serving a task
	queue  []workItem // work waiting for a free worker, first come first served
	req    chan *Task // a running task hands control back here
	all    []*Task    // every task, in the order created
	ran    bool
	ending bool // Run is stopping the tasks that are left
	stuck  []string
}

// NewSim returns a simulation with its clock at 0 and no tasks. The title
// names the timeline that Run returns.
func NewSim(title string, opts SimOptions) *Sim {
	s := &Sim{opts: opts, tasks: newVirtual(title), req: make(chan *Task)}
	if opts.Workers > 0 {
		name := opts.WorkerName
		if name == "" {
			name = "worker"
		}
		s.workers = newVirtual(title + ": per " + name)
		s.busy = make([]bool, opts.Workers)
		for i := range opts.Workers {
			s.workers.Lane(name + " " + strconv.Itoa(i+1))
		}
	}
	return s
}

// Go adds a task that runs f, starting at the current virtual time, after
// the tasks already added. Call it before Run; tasks start others with
// Task.Go.
func (s *Sim) Go(name string, f func(t *Task)) *Task {
	if s.ran {
		panic("timeline: Sim.Go called after Run; start tasks from inside a task with Task.Go")
	}
	return s.spawn(name, f)
}

func (s *Sim) spawn(name string, f func(t *Task)) *Task {
	t := &Task{sim: s, name: name, f: f, resume: make(chan bool), done: s.Event(name + " done")}
	s.tasks.Lane(name)
	s.all = append(s.all, t)
	s.ready = append(s.ready, t)
	return t
}

// Event returns a new one-shot event: tasks Await it until a task Fires it.
func (s *Sim) Event(name string) *Event { return &Event{name: name} }

// Run runs every task until all have finished, or until those left are
// blocked forever (see Stuck), and returns the timeline of the tasks: one
// lane per task in the order the tasks were created. Calling Run again
// returns the same timeline. If a task panics, Run stops every other task
// and panics with the task's name and value.
func (s *Sim) Run() *Timeline {
	if s.ran {
		return s.tasks
	}
	s.ran = true
	for {
		if len(s.ready) > 0 {
			t := s.ready[0]
			s.ready = s.ready[1:]
			if !t.started {
				t.started = true
				go t.main()
			}
			t.resume <- true
			<-s.req // t blocked in a Task method, or finished
			if t.panicked {
				s.abort()
				panic(fmt.Sprintf("timeline: task %q panicked: %v", t.name, t.panicValue))
			}
			continue
		}
		if s.timers.Len() == 0 {
			break
		}
		// Fire every timer due at the next instant before any task runs,
		// so that all the workers freed at that instant are free.
		s.now = s.timers[0].at
		for s.timers.Len() > 0 && s.timers[0].at == s.now {
			tm := heap.Pop(&s.timers).(timer)
			if tm.worker >= 0 {
				s.busy[tm.worker] = false
				if len(s.queue) > 0 {
					w := s.queue[0]
					s.queue = s.queue[1:]
					s.tasks.Add(Span{Lane: w.task.name, Kind: Runnable, Label: w.label, Start: w.since, End: s.now, Detail: "ready, waiting for a free " + s.workerName()})
					s.startWork(w, tm.worker)
				}
			}
			s.ready = append(s.ready, tm.task)
		}
	}
	for _, t := range s.all {
		if t.started && !t.finished {
			s.stuck = append(s.stuck, t.name)
			if a := t.awaiting; a != nil {
				s.tasks.Add(Span{Lane: t.name, Kind: Blocked, Label: a.label, Start: a.since, End: s.now, Detail: "never woken: nothing fired " + a.event.name})
			}
			s.tasks.AddMark(Mark{Lane: t.name, Label: "stuck", At: s.now})
		}
	}
	s.abort()
	return s.tasks
}

// abort ends the goroutines of tasks that started and have not finished.
func (s *Sim) abort() {
	s.ending = true
	for _, t := range s.all {
		if t.started && !t.finished {
			t.resume <- false
			<-s.req
		}
	}
}

// Workers returns the timeline of the workers: one lane per worker showing
// which task it served when, on the same clock as Run's timeline (draw
// both with Stack). It is nil if SimOptions.Workers is 0.
func (s *Sim) Workers() *Timeline { return s.workers }

// Stuck returns the names of the tasks that were still waiting for an
// event when nothing else could happen (a deadlock), in creation order.
// Run marks them "stuck" on the timeline.
func (s *Sim) Stuck() []string { return append([]string(nil), s.stuck...) }

func (s *Sim) workerName() string {
	if s.opts.WorkerName == "" {
		return "worker"
	}
	return s.opts.WorkerName
}

// startWork records work item w on worker (or on no worker when the
// number of workers is unlimited) and sets the timer that ends it.
func (s *Sim) startWork(w workItem, worker int) {
	s.tasks.Add(Span{Lane: w.task.name, Kind: Running, Label: w.label, Start: s.now, End: s.now + w.d})
	if worker >= 0 {
		s.busy[worker] = true
		lane := s.workers.Lanes()[worker]
		s.workers.Add(Span{Lane: lane, Kind: Running, Label: w.task.name, Start: s.now, End: s.now + w.d, Detail: w.label})
	}
	s.after(w.d, w.task, worker)
}

// after sets a timer that makes t ready d from now, freeing worker (if
// not -1) at that moment.
func (s *Sim) after(d time.Duration, t *Task, worker int) {
	s.seq++
	heap.Push(&s.timers, timer{at: s.now + d, seq: s.seq, task: t, worker: worker})
}

// Task is one task of a Sim. Its methods may be called only from the
// task's own function (not from goroutines it starts), while Run runs.
type Task struct {
	sim    *Sim
	name   string
	f      func(*Task)
	resume chan bool // true: go on; false: the simulation is over, unwind
	done   *Event

	started, finished bool
	panicked          bool
	panicValue        any
	awaiting          *waiter // set while blocked in Await
}

// errAborted unwinds a task's goroutine when the simulation stops early.
type errAborted struct{}

func (t *Task) main() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errAborted); !ok {
				t.panicked, t.panicValue = true, r
			}
		}
		t.finished = true
		t.sim.req <- t
	}()
	if !<-t.resume {
		return
	}
	t.f(t)
	t.Fire(t.done)
}

// block hands control back to Run and returns when Run resumes the task.
func (t *Task) block() {
	if t.sim.ending {
		panic(errAborted{})
	}
	t.sim.req <- t
	if !<-t.resume {
		panic(errAborted{})
	}
}

// Name returns the task's name, which is also its lane.
func (t *Task) Name() string { return t.name }

// Now returns the current virtual time.
func (t *Task) Now() time.Duration { return t.sim.now }

// Work spends d of work, labelled label. It needs a worker: if all are
// busy the task waits for one (drawn as Runnable), first come first
// served, then runs for d (drawn as Running). A d of 0 or less does
// nothing.
func (t *Task) Work(label string, d time.Duration) {
	if d <= 0 {
		return
	}
	s := t.sim
	w := workItem{task: t, label: label, d: d, since: s.now}
	worker := -1
	if s.busy != nil {
		for i, b := range s.busy {
			if !b {
				worker = i
				break
			}
		}
		if worker < 0 {
			s.queue = append(s.queue, w)
			t.block()
			return
		}
	}
	s.startWork(w, worker)
	t.block()
}

// Wait waits for d without needing a worker, as for a timer, the oven or
// the network (drawn as Waiting). A d of 0 or less does nothing.
func (t *Task) Wait(label string, d time.Duration) {
	if d <= 0 {
		return
	}
	s := t.sim
	s.tasks.Add(Span{Lane: t.name, Kind: Waiting, Label: label, Start: s.now, End: s.now + d})
	s.after(d, t, -1)
	t.block()
}

// Go starts a new task that runs f from now on, after the tasks that are
// already ready; the calling task carries on.
func (t *Task) Go(name string, f func(t *Task)) *Task { return t.sim.spawn(name, f) }

// Done returns the event fired when the task's function returns.
func (t *Task) Done() *Event { return t.done }

// Await blocks until e has fired (drawn as Blocked, labelled label). It
// returns at once if e has already fired.
func (t *Task) Await(label string, e *Event) {
	if e.fired {
		return
	}
	w := &waiter{task: t, label: label, since: t.sim.now, event: e}
	e.waiters = append(e.waiters, w)
	t.awaiting = w
	t.block()
	t.awaiting = nil
}

// Join blocks until other has finished, as Await(label, other.Done()).
func (t *Task) Join(label string, other *Task) { t.Await(label, other.done) }

// Fire fires e now and marks it on the task's lane: every task awaiting e
// becomes ready, in the order they started waiting. Firing an event again
// does nothing.
func (t *Task) Fire(e *Event) {
	if e.fired {
		return
	}
	s := t.sim
	e.fired = true
	if e != t.done {
		s.tasks.AddMark(Mark{Lane: t.name, Label: e.name, At: s.now})
	}
	for _, w := range e.waiters {
		s.tasks.Add(Span{Lane: w.task.name, Kind: Blocked, Label: w.label, Start: w.since, End: s.now, Detail: "waiting for " + e.name})
		s.ready = append(s.ready, w.task)
	}
	e.waiters = nil
}

// Mark marks the current instant on the task's lane.
func (t *Task) Mark(label string) {
	t.sim.tasks.AddMark(Mark{Lane: t.name, Label: label, At: t.sim.now})
}

// Event is a one-shot signal between the tasks of a Sim, like closing a
// channel: once fired it stays fired.
type Event struct {
	name    string
	fired   bool
	waiters []*waiter
}

// Name returns the event's name.
func (e *Event) Name() string { return e.name }

type waiter struct {
	task  *Task
	label string
	since time.Duration
	event *Event
}

type workItem struct {
	task  *Task
	label string
	d     time.Duration
	since time.Duration
}

type timer struct {
	at     time.Duration
	seq    int
	task   *Task
	worker int // freed when the timer fires; -1 for none
}

// timerQueue is a min-heap of timers by time, then by the order set.
type timerQueue []timer

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q timerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *timerQueue) Push(x any)   { *q = append(*q, x.(timer)) }
func (q *timerQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}
