package timeline

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary is the one line of numbers printed under a timeline.
type Summary struct {
	// Wall is the time from the origin to the end of the last span.
	Wall time.Duration
	// Busy is the total length of all Running spans. It exceeds Wall
	// when lanes ran in parallel.
	Busy time.Duration
	// MaxRunning is the most lanes that were Running at the same instant.
	MaxRunning int
	// MaxWaiting is the most lanes that were Waiting or Blocked at the
	// same instant.
	MaxWaiting int
	// MaxRunnable is the most lanes that were Runnable (ready, but with
	// no free CPU or worker) at the same instant.
	MaxRunnable int
}

// String formats the summary as one line, such as
// "wall 15 min · busy 13 min · at most 1 running, 2 waiting at once".
// Figures that are zero are left out: a timeline with only waits reads
// "wall 2 s · at most 4 waiting at once".
func (s Summary) String() string {
	var b strings.Builder
	b.WriteString("wall " + roundDuration(s.Wall))
	if s.Busy > 0 {
		b.WriteString(" · busy " + roundDuration(s.Busy))
	}
	var most []string
	for _, c := range []struct {
		n    int
		kind string
	}{{s.MaxRunning, "running"}, {s.MaxWaiting, "waiting"}, {s.MaxRunnable, "runnable"}} {
		if c.n > 0 {
			most = append(most, strconv.Itoa(c.n)+" "+c.kind)
		}
	}
	if len(most) > 0 {
		b.WriteString(" · at most " + strings.Join(most, ", ") + " at once")
	}
	return b.String()
}

// Summary computes the timeline's summary. Processor lanes (the P lanes
// of a Trace) are left out when the timeline also has task lanes, so work
// is not counted twice.
func (t *Timeline) Summary() Summary {
	spans := t.Spans()
	t.mu.Lock()
	procs := t.procLanes
	t.mu.Unlock()
	return summarize(taskSpans(spans, procs))
}

// taskSpans returns the spans that are not on processor lanes, or all of
// them when every span is on one.
func taskSpans(spans []Span, procs map[string]bool) []Span {
	if len(procs) == 0 {
		return spans
	}
	tasks := slices.DeleteFunc(slices.Clone(spans), func(s Span) bool { return procs[s.Lane] })
	if len(tasks) == 0 {
		return spans
	}
	return tasks
}

// group is the summary counter a kind adds to, or -1 for none.
func group(k Kind) int {
	switch k {
	case Running:
		return 0
	case Waiting, Blocked:
		return 1
	case Runnable:
		return 2
	}
	return -1
}

func summarize(spans []Span) Summary {
	var s Summary
	type edge struct {
		at    time.Duration
		delta int // +1 start, -1 end
		lane  string
		group int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, sp := range spans {
		s.Wall = max(s.Wall, sp.End)
		if sp.Kind == Running {
			s.Busy += sp.Duration()
		}
		g := group(sp.Kind)
		if g < 0 || sp.End <= sp.Start {
			continue
		}
		edges = append(edges, edge{sp.Start, +1, sp.Lane, g}, edge{sp.End, -1, sp.Lane, g})
	}
	// Ends sort before starts at the same instant: spans that touch do
	// not overlap.
	slices.SortStableFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.delta, b.delta)
	})
	type key struct {
		lane  string
		group int
	}
	open := map[key]int{}  // spans open per lane and group
	var lanes, most [3]int // lanes with an open span per group, and the most seen
	for _, e := range edges {
		k := key{e.lane, e.group}
		before := open[k]
		open[k] += e.delta
		switch {
		case before == 0 && open[k] > 0:
			lanes[e.group]++
			most[e.group] = max(most[e.group], lanes[e.group])
		case before > 0 && open[k] == 0:
			lanes[e.group]--
		}
	}
	s.MaxRunning, s.MaxWaiting, s.MaxRunnable = most[0], most[1], most[2]
	return s
}

// roundDuration formats d to three significant digits (23.3 ms, 196 ms,
// 1.5 s), for summaries; hover titles keep the exact formatDuration.
func roundDuration(d time.Duration) string {
	if d < time.Minute && d > 0 {
		unit := time.Nanosecond
		for _, u := range []time.Duration{time.Microsecond, time.Millisecond, time.Second} {
			if d >= u {
				unit = u
			}
		}
		v := float64(d) / float64(unit)
		return strconv.FormatFloat(v, 'g', 3, 64) + " " + unitName(unit)
	}
	return formatDuration(d.Round(time.Second))
}
