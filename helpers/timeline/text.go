package timeline

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	textDefaultColumns = 72
	textMinColumns     = 40
	textMaxName        = 20
	markChar           = '◆'
)

// Text draws the timeline as fixed-width text: a title, a row per lane with
// one character per slice of time, an axis, a legend and the summary.
// Each character shows the kind that filled most of its slice:
// █ running, · runnable, ░ waiting, ▒ blocked, other characters for custom
// kinds (see the legend); ◆ is a mark.
func (t *Timeline) Text() string {
	p := t.picture()
	return renderText([]picture{p}, p.opts)
}

// String returns the text rendering, as Text does.
func (t *Timeline) String() string { return t.Text() }

// renderText draws the pictures stacked, on one time axis.
func renderText(pics []picture, opts Options) string {
	cols := opts.Columns
	if cols <= 0 {
		cols = textDefaultColumns
	}
	cols = max(cols, textMinColumns)
	end := axisEnd(pics, opts)
	nameW := nameWidth(pics, 1, textMaxName)
	plotW := cols - nameW - 3 // name, space, two borders
	ax := newAxis(end, max(plotW/10, 2), opts.Unit)

	var legend, all []Kind
	var marks bool
	for _, p := range pics {
		for _, k := range p.legend() {
			if !slices.Contains(legend, k) {
				legend = append(legend, k)
			}
		}
		for _, k := range p.kinds {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
		}
		for _, ms := range p.marks {
			marks = marks || len(ms) > 0
		}
	}
	ch := chars(append(slices.Clone(legend), all...))

	var b strings.Builder
	pad := strings.Repeat(" ", nameW+1)
	for _, p := range pics {
		if p.title != "" {
			b.WriteString(p.title + "\n")
		}
		for _, lane := range p.lanes {
			name := truncate(lane, nameW)
			b.WriteString(strings.Repeat(" ", nameW-utf8.RuneCountInString(name)) + name + " │")
			b.WriteString(textRow(p.spans[lane], p.marks[lane], all, ch, ax.end, plotW))
			b.WriteString("│\n")
		}
	}

	// Axis: a line with a tick per step, and labels that do not collide.
	line := []rune(strings.Repeat("─", plotW))
	labels := []rune(strings.Repeat(" ", plotW+2))
	next := 0 // first column free for a label
	for _, tk := range ax.ticks() {
		c := min(int(int64(tk)*int64(plotW)/int64(ax.end)), plotW-1)
		line[c] = '┬'
		l := []rune(ax.label(tk))
		at := min(c, len(labels)-len(l)) // the last label may end at the border
		if at >= next && at >= 0 {
			copy(labels[at:], l)
			next = at + len(l) + 2
		}
	}
	b.WriteString(pad + "└" + string(line) + "┘\n")
	b.WriteString(strings.TrimRight(pad+" "+string(labels), " ") + "\n")

	var items []string
	for _, k := range legend {
		items = append(items, string(ch[k])+" "+string(k))
	}
	if marks {
		items = append(items, string(markChar)+" mark")
	}
	if len(items) > 0 {
		b.WriteString(pad + " " + strings.Join(items, "  ") + "\n")
	}
	for _, p := range pics {
		line := p.summary.String()
		if len(pics) > 1 && p.title != "" {
			line = p.title + ": " + line
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// textRow draws one lane: each of the width cells covers an equal slice of
// the axis and shows the kind that covered most of it (ties go to the kind
// listed first in kinds), or a mark.
func textRow(spans []Span, marks []Mark, kinds []Kind, ch map[Kind]rune, end time.Duration, width int) string {
	cover := make([][]time.Duration, width)
	index := make(map[Kind]int, len(kinds))
	for i, k := range kinds {
		index[k] = i
	}
	cellStart := func(c int) time.Duration { return time.Duration(int64(end) * int64(c) / int64(width)) }
	for _, s := range spans {
		start, stop := max(s.Start, 0), min(s.End, end)
		if stop < start || s.Start > end {
			continue
		}
		first := int(int64(start) * int64(width) / int64(end))
		for c := min(first, width-1); c < width && cellStart(c) <= stop; c++ {
			lo, hi := max(start, cellStart(c)), min(stop, cellStart(c+1))
			if hi < lo || (hi == lo && s.End > s.Start) {
				continue
			}
			if cover[c] == nil {
				cover[c] = make([]time.Duration, len(kinds))
			}
			// An instant (or a span thinner than a nanosecond of this
			// cell) still counts, so short spans stay visible.
			cover[c][index[s.Kind]] += max(hi-lo, 1)
		}
	}
	row := []rune(strings.Repeat(" ", width))
	for c, cv := range cover {
		best := -1
		for i, d := range cv {
			if d > 0 && (best < 0 || d > cv[best]) {
				best = i
			}
		}
		if best >= 0 {
			row[c] = ch[kinds[best]]
		}
	}
	for _, m := range marks {
		if m.At >= 0 && m.At <= end {
			row[min(int(int64(m.At)*int64(width)/int64(end)), width-1)] = markChar
		}
	}
	return string(row)
}
