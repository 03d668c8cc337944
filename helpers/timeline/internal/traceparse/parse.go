package traceparse

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	xtrace "golang.org/x/exp/trace"
)

// gRecord accumulates what the trace says about one goroutine, in absolute
// trace time. Every goroutine in the trace gets one; filtering happens at the
// end, once the root goroutine is known.
type gRecord struct {
	id       xtrace.GoID
	parent   xtrace.GoID
	created  bool // a creation event was seen
	order    int  // position in creation order among all created goroutines
	entry    string
	logName  string
	region   string
	task     string
	logs     []rawLog
	spans    []rawSpan
	cur      rawSpan // the open span, valid when open is true
	open     bool
	finished bool
}

type rawSpan struct {
	start, end xtrace.Time
	state      State
	proc       int
	reason     string
}

type rawLog struct {
	at                xtrace.Time
	category, message string
}

type parser struct {
	r         *xtrace.Reader
	gs        map[xtrace.GoID]*gRecord
	created   int
	root      xtrace.GoID
	rootFound bool
	t0, tEnd  xtrace.Time
	ended     bool
}

func newParser(r io.Reader) (*parser, error) {
	xr, err := xtrace.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("traceparse: the data is not a Go execution trace this parser understands: %w", err)
	}
	return &parser{r: xr, gs: make(map[xtrace.GoID]*gRecord)}, nil
}

func (p *parser) g(id xtrace.GoID) *gRecord {
	g := p.gs[id]
	if g == nil {
		g = &gRecord{id: id, parent: xtrace.NoGoroutine}
		p.gs[id] = g
	}
	return g
}

func (p *parser) readAll() error {
	for {
		ev, err := p.r.ReadEvent()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("traceparse: the trace is corrupt or truncated: %w", err)
		}
		p.event(ev)
	}
}

func (p *parser) event(ev xtrace.Event) {
	switch ev.Kind() {
	case xtrace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind != xtrace.ResourceGoroutine {
			return
		}
		p.transition(ev, st)
	case xtrace.EventRegionBegin:
		typ := ev.Region().Type
		if typ == rootRegion {
			if !p.rootFound {
				p.root, p.rootFound, p.t0 = ev.Goroutine(), true, ev.Time()
			}
			return
		}
		if g := p.g(ev.Goroutine()); g.region == "" {
			g.region = typ
		}
	case xtrace.EventRegionEnd:
		if ev.Region().Type == rootRegion && p.rootFound && ev.Goroutine() == p.root && !p.ended {
			p.tEnd, p.ended = ev.Time(), true
		}
	case xtrace.EventTaskBegin:
		if g := p.g(ev.Goroutine()); g.task == "" {
			g.task = ev.Task().Type
		}
	case xtrace.EventLog:
		l := ev.Log()
		g := p.g(ev.Goroutine())
		if l.Category == NameCategory {
			if g.logName == "" {
				g.logName = l.Message
			}
			return
		}
		g.logs = append(g.logs, rawLog{at: ev.Time(), category: l.Category, message: l.Message})
	}
}

func (p *parser) transition(ev xtrace.Event, st xtrace.StateTransition) {
	from, to := st.Goroutine()
	if from == to {
		return // a status report at a generation boundary, not a change
	}
	g := p.g(st.Resource.Goroutine())
	if from == xtrace.GoNotExist {
		p.created++
		g.created, g.order, g.parent = true, p.created, ev.Goroutine()
		for fr := range st.Stack.Frames() {
			g.entry = fr.Func
			break
		}
	}
	t := ev.Time()
	if g.open {
		g.cur.end = t
		g.spans = append(g.spans, g.cur)
		g.open = false
	}
	var s State
	switch to {
	case xtrace.GoRunning:
		s = Running
	case xtrace.GoRunnable:
		s = Runnable
	case xtrace.GoWaiting:
		s = Blocked
	case xtrace.GoSyscall:
		s = Syscall
	case xtrace.GoNotExist:
		g.finished = true
		return
	default:
		return
	}
	g.cur = rawSpan{start: t, state: s, proc: -1}
	if s == Running {
		g.cur.proc = int(ev.Proc())
	}
	if s == Blocked || (s == Runnable && from == xtrace.GoRunning) {
		g.cur.reason = st.Reason
	}
	g.open = true
}

// runtimeFunc reports whether a goroutine started with fn belongs to the
// runtime rather than to user code.
func runtimeFunc(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/")
}

func (p *parser) result() (*Result, error) {
	if !p.rootFound || !p.ended {
		return nil, errors.New("traceparse: the trace has no complete traceparse.Run region; only traces recorded with traceparse.Run can be parsed")
	}
	// Select the root and its non-runtime descendants. A goroutine's parent
	// is always created before it, so one pass in creation order suffices.
	var all []*gRecord
	for _, g := range p.gs {
		if g.created {
			all = append(all, g)
		}
	}
	slices.SortFunc(all, func(a, b *gRecord) int { return cmp.Compare(a.order, b.order) })
	keep := map[xtrace.GoID]bool{p.root: true}
	chosen := []*gRecord{p.g(p.root)}
	for _, g := range all {
		if g.id != p.root && keep[g.parent] && !runtimeFunc(g.entry) {
			keep[g.id] = true
			chosen = append(chosen, g)
		}
	}

	res := &Result{Duration: p.tEnd.Sub(p.t0)}
	names := make(map[string]int)
	for i, g := range chosen {
		out := Goroutine{ID: int64(g.id), Name: g.name(i)}
		if g.id != p.root {
			out.Parent, out.Func = int64(g.parent), g.entry
		}
		if n := names[out.Name] + 1; n > 1 {
			names[out.Name] = n
			out.Name += " #" + strconv.Itoa(n)
		} else {
			names[out.Name] = 1
		}
		spans := g.spans
		if g.open {
			spans = append(spans, rawSpan{start: g.cur.start, end: p.tEnd, state: g.cur.state, proc: g.cur.proc, reason: g.cur.reason})
		}
		for _, s := range spans {
			start, end := max(s.start, p.t0), min(s.end, p.tEnd)
			if end <= start {
				continue
			}
			iv := Interval{Start: start.Sub(p.t0), End: end.Sub(p.t0), State: s.state, Proc: s.proc, Reason: s.reason}
			out.Intervals = append(out.Intervals, iv)
			if s.state == Running {
				res.Runs = append(res.Runs, ProcRun{Proc: s.proc, Goroutine: out.ID, Start: iv.Start, End: iv.End})
			}
		}
		for _, l := range g.logs {
			if l.at >= p.t0 && l.at <= p.tEnd {
				out.Logs = append(out.Logs, Log{At: l.at.Sub(p.t0), Category: l.category, Message: l.message})
			}
		}
		res.Goroutines = append(res.Goroutines, out)
	}
	slices.SortFunc(res.Runs, func(a, b ProcRun) int {
		return cmp.Or(cmp.Compare(a.Proc, b.Proc), cmp.Compare(a.Start, b.Start))
	})
	return res, nil
}

// name applies the naming rule documented on Goroutine.Name, before
// duplicates are numbered; i is the goroutine's index in the result.
func (g *gRecord) name(i int) string {
	switch {
	case g.logName != "":
		return g.logName
	case g.region != "":
		return g.region
	case g.task != "":
		return g.task
	case i == 0:
		return "f"
	}
	return "g" + strconv.Itoa(i)
}
