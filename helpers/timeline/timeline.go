// Package timeline records what tasks did over time and draws it: one lane
// per task (or per processor), spans coloured by what the task was doing
// (running, waiting, runnable, blocked), on a time axis with readable units.
//
// A Timeline is filled in one of three ways:
//
//   - in real time, by code that calls Lane.Begin / Active.End, Lane.Run,
//     Lane.Wait and Lane.Mark while it works (safe from many goroutines);
//   - in virtual time, by a story run on a Sim: minutes of simulated work
//     take no time at all and give the same picture on every run;
//   - from raw spans, with Timeline.Add and Timeline.AddMark (the
//     runtime-trace source of this package uses those).
//
// A Timeline renders as SVG (Timeline.SVG) for notebooks and as fixed-width
// text (Timeline.Text) for terminals and CI logs. Stack draws several
// timelines on one time scale. Timeline and Stacked implement
// display.Renderer, so display.Show draws them in a notebook.
package timeline

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says what a span shows: what its lane was doing during the span.
//
// The four kinds below have fixed colours and text characters, and in SVG
// a shape of their own, so that they read without colour too: running is
// a solid bar, waiting a tinted bar with an outline, runnable a tinted bar
// with a dashed outline, blocked a hatched bar. Their colours stay apart
// under the common colour-vision deficiencies. Any other
// string is a custom kind: it gets a colour from a palette, chosen from
// the kind's name so that it is the same in every picture, and a text
// character assigned in name order within each picture.
type Kind string

// The built-in kinds.
const (
	// Running: the lane was doing work (on a CPU, or a cook at the stove).
	Running Kind = "running"
	// Waiting: the lane was waiting for something outside the program,
	// such as a timer, the network or a disk, and held no CPU.
	Waiting Kind = "waiting"
	// Runnable: the lane was ready to run but waited for a free CPU
	// (or a free cook).
	Runnable Kind = "runnable"
	// Blocked: the lane waited for another part of the program, such as a
	// lock, a channel or another task.
	Blocked Kind = "blocked"
)

// Span is one stretch of time during which a lane did one kind of thing.
type Span struct {
	// Lane names the row the span is drawn in.
	Lane string
	// Kind says what the lane was doing; it picks the colour.
	Kind Kind
	// Label is drawn inside the span when it fits.
	Label string
	// Start and End are offsets from the timeline's origin.
	// Add stores a span whose End is before its Start with End = Start.
	Start, End time.Duration
	// Detail is extra text shown when the pointer hovers over the span,
	// in front ends that draw SVG inline (the classic Notebook, VS Code).
	// JupyterLab draws SVG outputs as images, which show no hover text:
	// whatever a reader must know belongs in the picture or the output.
	Detail string
}

// Duration returns End - Start.
func (s Span) Duration() time.Duration { return s.End - s.Start }

// Mark is one instant on a lane, such as "request arrived".
type Mark struct {
	// Lane names the row the mark is drawn in.
	Lane string
	// Label says what happened.
	Label string
	// At is the offset from the timeline's origin.
	At time.Duration
}

// Timeline is a titled set of lanes, spans and marks, measured from an
// origin. All its methods are safe for concurrent use.
//
// Lanes are kept in first-use order: the order in which a lane name was
// first passed to Lane, Add or AddMark. Options.Order can draw them in
// another order; Lanes always reports first-use order.
type Timeline struct {
	title  string
	origin time.Time // zero for timelines in virtual time

	mu      sync.Mutex
	lanes   []string
	byName  map[string]*Lane
	spans   []Span
	marks   []Mark
	options Options
	// procLanes are lanes that show processors (the P lanes of a runtime
	// trace) rather than tasks: Summary leaves them out, since their
	// running spans are the same work as the goroutines' own.
	procLanes map[string]bool
}

// New returns an empty timeline whose origin is now: spans recorded with
// Lane.Begin, Lane.Run, Lane.Wait and Lane.Mark are measured from the
// moment New was called.
func New(title string) *Timeline {
	return &Timeline{title: title, origin: time.Now(), byName: map[string]*Lane{}}
}

// newVirtual returns an empty timeline for spans added with Add only.
func newVirtual(title string) *Timeline {
	return &Timeline{title: title, byName: map[string]*Lane{}}
}

// Title returns the title given to New.
func (t *Timeline) Title() string { return t.title }

// Lane returns the lane with the given name, adding it after the existing
// lanes if the timeline has none by that name. Calling Lane again with the
// same name returns the same *Lane.
func (t *Timeline) Lane(name string) *Lane {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.laneLocked(name)
}

func (t *Timeline) laneLocked(name string) *Lane {
	if l, ok := t.byName[name]; ok {
		return l
	}
	l := &Lane{t: t, name: name}
	t.byName[name] = l
	t.lanes = append(t.lanes, name)
	return l
}

// Add records a span, adding its lane if it is new.
func (t *Timeline) Add(s Span) {
	if s.End < s.Start {
		s.End = s.Start
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.laneLocked(s.Lane)
	t.spans = append(t.spans, s)
}

// AddMark records a mark, adding its lane if it is new.
func (t *Timeline) AddMark(m Mark) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.laneLocked(m.Lane)
	t.marks = append(t.marks, m)
}

// Spans returns a copy of the recorded spans, ordered by Start, then by
// lane (first-use order), then in the order they were recorded.
func (t *Timeline) Spans() []Span {
	t.mu.Lock()
	spans := slices.Clone(t.spans)
	rank := t.laneRankLocked()
	t.mu.Unlock()
	sortByTimeAndLane(spans, rank, func(s Span) (time.Duration, string) { return s.Start, s.Lane })
	return spans
}

// Marks returns a copy of the recorded marks, ordered by At, then by lane
// (first-use order), then in the order they were recorded.
func (t *Timeline) Marks() []Mark {
	t.mu.Lock()
	marks := slices.Clone(t.marks)
	rank := t.laneRankLocked()
	t.mu.Unlock()
	sortByTimeAndLane(marks, rank, func(m Mark) (time.Duration, string) { return m.At, m.Lane })
	return marks
}

// sortByTimeAndLane sorts items by time, then by their lane's rank,
// keeping the recorded order otherwise.
func sortByTimeAndLane[T any](items []T, rank map[string]int, key func(T) (time.Duration, string)) {
	slices.SortStableFunc(items, func(a, b T) int {
		at, al := key(a)
		bt, bl := key(b)
		if c := cmp.Compare(at, bt); c != 0 {
			return c
		}
		return cmp.Compare(rank[al], rank[bl])
	})
}

// Lanes returns the lane names in first-use order.
func (t *Timeline) Lanes() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.lanes)
}

func (t *Timeline) laneRankLocked() map[string]int {
	rank := make(map[string]int, len(t.lanes))
	for i, name := range t.lanes {
		rank[name] = i
	}
	return rank
}

// since returns the time elapsed since the origin.
func (t *Timeline) since() time.Duration { return time.Since(t.origin) }

// Lane is one row of a timeline: a task, a request, a processor.
// Its methods record in real time, measured from the moment New was
// called, and are safe for concurrent use. Timelines from a Sim are in
// virtual time: add to them with Timeline.Add and Timeline.AddMark only.
type Lane struct {
	t    *Timeline
	name string
}

// Name returns the lane's name.
func (l *Lane) Name() string { return l.name }

// Begin starts a span of the given kind now; the span is recorded when
// End is called on the result.
func (l *Lane) Begin(kind Kind, label string) *Active {
	return &Active{lane: l, kind: kind, label: label, start: l.t.since()}
}

// Run calls f and records the time it took as a Running span, even if f
// panics.
func (l *Lane) Run(label string, f func()) {
	a := l.Begin(Running, label)
	defer a.End()
	f()
}

// Wait calls f and records the time it took as a Waiting span, even if f
// panics. Use it around calls that wait for the outside world, such as
// time.Sleep or an HTTP request.
func (l *Lane) Wait(label string, f func()) {
	a := l.Begin(Waiting, label)
	defer a.End()
	f()
}

// Mark records a mark on the lane now.
func (l *Lane) Mark(label string) {
	l.t.AddMark(Mark{Lane: l.name, Label: label, At: l.t.since()})
}

// Active is a span that has begun and not yet ended.
type Active struct {
	lane  *Lane
	kind  Kind
	label string
	start time.Duration
	ended atomic.Bool
}

// End records the span, ending now. Only the first call records anything.
func (a *Active) End() {
	if a.ended.Swap(true) {
		return
	}
	t := a.lane.t
	t.Add(Span{Lane: a.lane.name, Kind: a.kind, Label: a.label, Start: a.start, End: t.since()})
}
