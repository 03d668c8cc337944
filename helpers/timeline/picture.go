package timeline

import (
	"cmp"
	"hash/fnv"
	"slices"
	"time"
	"unicode/utf8"
)

// picture is a consistent snapshot of one timeline, ready to draw.
type picture struct {
	title   string
	lanes   []string          // in drawing order
	spans   map[string][]Span // per lane, by Start
	marks   map[string][]Mark // per lane, by At
	kinds   []Kind            // every kind present: built-ins first, then by name
	summary Summary
	end     time.Duration // the last span end or mark
	opts    Options
}

// picture takes a snapshot of t and orders it for drawing.
func (t *Timeline) picture() picture {
	t.mu.Lock()
	p := picture{title: t.title, opts: t.options}
	p.opts.Legend = slices.Clone(p.opts.Legend)
	lanes := slices.Clone(t.lanes)
	spans := slices.Clone(t.spans)
	marks := slices.Clone(t.marks)
	procs := t.procLanes
	t.mu.Unlock()

	count := make(map[string]int, len(lanes))
	for _, s := range spans {
		count[s.Lane]++
	}
	p.spans = make(map[string][]Span, len(lanes))
	for lane, n := range count {
		p.spans[lane] = make([]Span, 0, n)
	}
	p.marks = make(map[string][]Mark)
	first := make(map[string]time.Duration, len(lanes)) // earliest start per lane
	present := map[Kind]bool{}
	for _, s := range spans {
		p.spans[s.Lane] = append(p.spans[s.Lane], s)
		p.end = max(p.end, s.End)
		present[s.Kind] = true
		if f, ok := first[s.Lane]; !ok || s.Start < f {
			first[s.Lane] = s.Start
		}
	}
	for _, m := range marks {
		p.marks[m.Lane] = append(p.marks[m.Lane], m)
		p.end = max(p.end, m.At)
		if f, ok := first[m.Lane]; !ok || m.At < f {
			first[m.Lane] = m.At
		}
	}
	for _, ss := range p.spans {
		slices.SortStableFunc(ss, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	for _, ms := range p.marks {
		slices.SortStableFunc(ms, func(a, b Mark) int { return cmp.Compare(a.At, b.At) })
	}
	p.summary = summarize(taskSpans(spans, procs))
	p.kinds = orderKinds(present)

	switch p.opts.Order {
	case ByName:
		slices.SortStableFunc(lanes, cmp.Compare[string])
	case ByStart:
		slices.SortStableFunc(lanes, func(a, b string) int {
			fa, oka := first[a]
			fb, okb := first[b]
			switch {
			case oka && okb:
				return cmp.Compare(fa, fb)
			case oka:
				return -1
			case okb:
				return 1
			}
			return 0
		})
	}
	p.lanes = lanes
	return p
}

// legend returns the kinds the legend shows.
func (p picture) legend() []Kind {
	if p.opts.Legend != nil {
		return p.opts.Legend
	}
	return p.kinds
}

var builtinKinds = []Kind{Running, Runnable, Waiting, Blocked}

// orderKinds lists the kinds in present: built-ins first, then by name.
func orderKinds(present map[Kind]bool) []Kind {
	var kinds, custom []Kind
	for _, k := range builtinKinds {
		if present[k] {
			kinds = append(kinds, k)
		}
	}
	for k := range present {
		if !slices.Contains(builtinKinds, k) {
			custom = append(custom, k)
		}
	}
	slices.Sort(custom)
	return append(kinds, custom...)
}

// look is how a kind is drawn.
type look struct {
	color string // fill and outline colour
	solid bool   // opaque fill with white labels; otherwise a tinted fill with an outline
	dash  bool   // dashed outline
	hatch bool   // a tinted fill with diagonal stripes, and an outline
}

// palette holds the colours of custom kinds. Every colour is mid-toned, so
// that it stands out on light and on dark backgrounds alike.
var palette = []string{"#8b5cf6", "#10b981", "#ec4899", "#14b8a6", "#f97316", "#6366f1", "#84cc16", "#06b6d4"}

// lookOf returns how kind k is drawn. The built-in kinds differ by more
// than colour: running is solid, waiting a tint with an outline, runnable
// a tint with a dashed outline, blocked hatched. Their colours (deep blue,
// amber, grey, crimson) stay apart for normal vision and under
// protanopia, deuteranopia and tritanopia, on light and dark backgrounds,
// which TestPaletteUnderColourVisionDeficiencies checks by simulation.
func lookOf(k Kind) look {
	switch k {
	case Running:
		return look{color: "#2157bb", solid: true}
	case Waiting:
		return look{color: "#f3cb59"}
	case Runnable:
		return look{color: "#90929d", dash: true}
	case Blocked:
		return look{color: "#c30a2e", hatch: true}
	}
	h := fnv.New32a()
	h.Write([]byte(k))
	return look{color: palette[h.Sum32()%uint32(len(palette))], solid: true}
}

// customChars are the text characters of custom kinds, in the order the
// kinds appear in a picture.
var customChars = []rune("▓#=+*%@~")

// chars returns the text character of each kind in kinds.
func chars(kinds []Kind) map[Kind]rune {
	m := map[Kind]rune{Running: '█', Waiting: '░', Runnable: '·', Blocked: '▒'}
	i := 0
	for _, k := range kinds {
		if _, ok := m[k]; !ok {
			m[k] = customChars[i%len(customChars)]
			i++
		}
	}
	return m
}

// axisEnd is where the shared time axis of pics ends: opts.End when set,
// else the end of the latest picture.
func axisEnd(pics []picture, opts Options) time.Duration {
	if opts.End > 0 {
		return opts.End
	}
	var end time.Duration
	for _, p := range pics {
		end = max(end, p.end)
	}
	return end
}

// nameWidth is how many characters the lane names of pics need, kept
// between least and most (longer names are shortened).
func nameWidth(pics []picture, least, most int) int {
	n := least
	for _, p := range pics {
		for _, l := range p.lanes {
			n = max(n, utf8.RuneCountInString(l))
		}
	}
	return min(n, most)
}
