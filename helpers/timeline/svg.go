package timeline

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sizes of the SVG drawing, in pixels before scaling.
const (
	svgDefaultWidth = 960
	svgPad          = 8
	svgRow          = 24 // height of a lane
	svgBar          = 16 // height of a span
	svgLine         = 18 // height of a line of text
	svgCharWidth    = 6.6
	svgRightPad     = 44 // room for the last tick label
	svgMarkHead     = 12 // room above a lane for one row of mark labels
	svgMarkRows     = 3  // most rows of mark labels above one lane
	svgMarkGap      = 6  // least space between two mark labels in a row
)

// textStyle colours text and thin lines: the notebook's own text colour
// where the SVG is inlined in JupyterLab, and a grey that reads on light
// and dark backgrounds elsewhere.
const textStyle = `fill:var(--jp-content-font-color1,#808080);stroke:none`

const lineStyle = `stroke:var(--jp-content-font-color1,#808080);fill:none`

// SVG draws the timeline as a standalone SVG document, scaled to the
// width of the page it is shown in.
func (t *Timeline) SVG() string {
	p := t.picture()
	return renderSVG([]picture{p}, p.opts)
}

// svgWriter writes SVG with compact numbers.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) printf(format string, args ...any) { fmt.Fprintf(w, format, args...) }

// num formats a coordinate with at most one decimal.
func num(x float64) string {
	return trimNumber(strconv.FormatFloat(x, 'f', 1, 64))
}

// renderSVG draws the pictures stacked, on one time axis.
func renderSVG(pics []picture, opts Options) string {
	width := float64(opts.Width)
	if width <= 0 {
		width = svgDefaultWidth
	}
	end := axisEnd(pics, opts)
	nameChars := nameWidth(pics, 4, 32)
	x0 := float64(svgPad) + float64(nameChars)*svgCharWidth + 10
	plotW := max(width-x0-svgRightPad, 40)
	width = x0 + plotW + svgRightPad
	ax := newAxis(end, max(int(plotW/90), 2), opts.Unit)
	xOf := func(d time.Duration) float64 {
		d = min(max(d, 0), ax.end)
		return x0 + float64(d)/float64(ax.end)*plotW
	}

	var legend []Kind
	var marks bool
	for _, p := range pics {
		for _, k := range p.legend() {
			if !slices.Contains(legend, k) {
				legend = append(legend, k)
			}
		}
		for _, ms := range p.marks {
			marks = marks || len(ms) > 0
		}
	}

	var body svgWriter
	y := float64(svgPad)
	if len(pics) == 1 && pics[0].title != "" {
		body.printf(`<text x="%s" y="%s" font-weight="bold" font-size="13" style="%s">%s</text>`, num(svgPad), num(y+13), textStyle, escape(pics[0].title))
		y += svgLine + 4
	}

	// Legend.
	x := x0
	body.printf(`<g style="%s">`, textStyle)
	for _, k := range legend {
		body.printf(`<text x="%s" y="%s">%s</text>`, num(x+16), num(y+11), escape(string(k)))
		x += 16 + float64(utf8.RuneCountInString(string(k)))*svgCharWidth + 18
	}
	if marks {
		body.printf(`<text x="%s" y="%s">mark</text>`, num(x+16), num(y+11))
	}
	body.WriteString(`</g>`)
	x = x0
	for _, k := range legend {
		lk := lookOf(k)
		body.printf(`<rect x="%s" y="%s" width="12" height="12" rx="2" %s/>`, num(x), num(y+1), lk.attrs())
		x += 16 + float64(utf8.RuneCountInString(string(k)))*svgCharWidth + 18
	}
	if marks {
		body.printf(`<path d="%s" style="%s"/>`, diamond(x+6, y+7), textStyle)
	}
	y += svgLine + 6

	// Lanes, one block per picture.
	top := y
	for _, p := range pics {
		if p.title != "" && len(pics) > 1 {
			body.printf(`<text x="%s" y="%s" font-weight="bold" font-size="13" style="%s">%s</text>`, num(svgPad), num(y+13), textStyle, escape(p.title))
			y += svgLine + 2
		}
		for _, lane := range p.lanes {
			marks := visibleMarks(p.marks[lane], ax.end)
			labels, rows := placeMarkLabels(marks, xOf(ax.end), xOf)
			head := float64(rows) * svgMarkHead // room above the spans for the labels of marks
			name := truncate(lane, nameChars)
			bar := y + head + (svgRow-svgBar)/2
			body.printf(`<text x="%s" y="%s" text-anchor="end" style="%s">%s<title>%s</title></text>`, num(x0-8), num(bar+svgBar-4), textStyle, escape(name), escape(lane))
			drawSpans(&body, visibleSpans(p.spans[lane], ax.end), lane, bar, xOf)
			drawMarks(&body, marks, labels, lane, bar, xOf)
			y += svgRow + head
		}
		y += 4
	}

	// Axis: grid lines through the lanes, then ticks and labels.
	var grid svgWriter
	grid.printf(`<g style="%s" stroke-opacity="0.25">`, lineStyle)
	for _, tk := range ax.ticks() {
		grid.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(xOf(tk)), num(top), num(xOf(tk)), num(y))
	}
	grid.WriteString(`</g>`)
	body.printf(`<g style="%s"><line x1="%s" y1="%s" x2="%s" y2="%s"/>`, lineStyle, num(x0), num(y), num(x0+plotW), num(y))
	for _, tk := range ax.ticks() {
		body.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(xOf(tk)), num(y), num(xOf(tk)), num(y+5))
	}
	body.printf(`</g><g style="%s" text-anchor="middle">`, textStyle)
	for _, tk := range ax.ticks() {
		body.printf(`<text x="%s" y="%s">%s</text>`, num(xOf(tk)), num(y+18), escape(ax.label(tk)))
	}
	body.WriteString(`</g>`)
	y += 24

	// Summaries.
	for _, p := range pics {
		line := p.summary.String()
		if len(pics) > 1 && p.title != "" {
			line = p.title + ": " + line
		}
		body.printf(`<text x="%s" y="%s" style="%s">%s</text>`, num(x0), num(y+13), textStyle, escape(line))
		y += svgLine
	}
	y += svgPad

	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" font-family="sans-serif" font-size="11">`, num(width), num(y))
	drawing := body.String()
	if strings.Contains(drawing, hatchRef) {
		h := fnv.New32a()
		h.Write([]byte(drawing))
		id := fmt.Sprintf("timeline-hatch-%08x", h.Sum32())
		drawing = strings.ReplaceAll(drawing, hatchRef, id)
		out.WriteString(hatchPattern(id, lookOf(Blocked).color))
	}
	out.WriteString(grid.String())
	out.WriteString(drawing)
	out.WriteString("</svg>\n")
	return out.String()
}

// tintOpacity is the opacity of the fill of a kind that is not solid.
const tintOpacity = "0.4"

// The hatch pattern: a light tint, so that labels stay readable, crossed
// by stripes 2 pixels wide every 8.
const (
	hatchTint   = "0.25"
	hatchStripe = "0.9"
)

// hatchRef stands for the id of the hatch pattern while a picture is
// drawn; renderSVG replaces it with an id made from the picture, so that
// pictures inlined in one page do not depend on each other's patterns.
const hatchRef = "timeline-hatch-ref"

// hatchPattern returns the definition of the hatch pattern called id in
// colour: a tint crossed by diagonal stripes.
func hatchPattern(id, colour string) string {
	return `<defs><pattern id="` + id + `" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="8" height="8" fill="` + colour + `" fill-opacity="` + hatchTint + `"/>` +
		`<rect width="2" height="8" fill="` + colour + `" fill-opacity="` + hatchStripe + `"/></pattern></defs>`
}

// attrs returns the fill and outline attributes of a look.
func (lk look) attrs() string {
	if lk.solid {
		return `fill="` + lk.color + `"`
	}
	if lk.hatch {
		return `fill="url(#` + hatchRef + `) ` + lk.color + `" stroke="` + lk.color + `"`
	}
	a := `fill="` + lk.color + `" fill-opacity="` + tintOpacity + `" stroke="` + lk.color + `"`
	if lk.dash {
		a += ` stroke-dasharray="3 2"`
	}
	return a
}

// drawSpans draws the spans of one lane, merging runs of spans narrower
// than a pixel into one shape so that huge timelines stay small.
func drawSpans(w *svgWriter, spans []Span, lane string, y float64, xOf func(time.Duration) float64) {
	first, n := 0, 0 // narrow spans waiting to be merged: spans[first:first+n]
	runEnd := 0.0    // right edge of the run, in pixels
	flush := func() {
		switch n {
		case 0:
		case 1:
			drawSpan(w, spans[first], lane, y, xOf)
		default:
			drawMerged(w, spans[first:first+n], lane, y, xOf)
		}
		n = 0
	}
	for i, s := range spans {
		x1, x2 := xOf(s.Start), xOf(s.End)
		if x2-x1 >= 1 {
			flush()
			drawSpan(w, s, lane, y, xOf)
			continue
		}
		if n > 0 && x1 > runEnd+1 {
			flush()
		}
		if n == 0 {
			first, runEnd = i, x2
		}
		n++
		runEnd = max(runEnd, x2)
	}
	flush()
}

func drawSpan(w *svgWriter, s Span, lane string, y float64, xOf func(time.Duration) float64) {
	x1, x2 := xOf(s.Start), xOf(s.End)
	wd := max(x2-x1, 1)
	lk := lookOf(s.Kind)
	drawn := wd
	if lk.solid && wd >= 3 {
		drawn-- // a gap shows where touching solid spans meet
	}
	w.printf(`<g><rect x="%s" y="%s" width="%s" height="%d" %s/>`, num(x1), num(y), num(drawn), svgBar, lk.attrs())
	if label := fitLabel(s.Label, wd-6); label != "" {
		style := textStyle
		if lk.solid {
			style = "fill:#fff"
		}
		w.printf(`<text x="%s" y="%s" style="%s">%s</text>`, num(x1+3), num(y+svgBar-4), style, escape(label))
	}
	title := fmt.Sprintf("%s: %s\n%s, %s → %s (%s)", lane, s.Label, s.Kind, formatDuration(s.Start), formatDuration(s.End), formatDuration(s.Duration()))
	if s.Label == "" {
		title = fmt.Sprintf("%s\n%s, %s → %s (%s)", lane, s.Kind, formatDuration(s.Start), formatDuration(s.End), formatDuration(s.Duration()))
	}
	if s.Detail != "" {
		title += "\n" + s.Detail
	}
	w.printf(`<title>%s</title></g>`, escape(title))
}

// drawMerged draws spans too narrow to see one by one as a single shape
// of the kind that took most of their time.
func drawMerged(w *svgWriter, run []Span, lane string, y float64, xOf func(time.Duration) float64) {
	start, end := run[0].Start, run[0].End
	total := map[Kind]time.Duration{}
	for _, s := range run {
		start, end = min(start, s.Start), max(end, s.End)
		total[s.Kind] += s.Duration()
	}
	present := map[Kind]bool{}
	for k := range total {
		present[k] = true
	}
	kinds := orderKinds(present)
	top := kinds[0]
	var sum time.Duration
	for _, k := range kinds {
		sum += total[k]
		if total[k] > total[top] {
			top = k
		}
	}
	x1, x2 := xOf(start), xOf(end)
	w.printf(`<g><rect x="%s" y="%s" width="%s" height="%d" %s/>`, num(x1), num(y), num(max(x2-x1, 1)), svgBar, lookOf(top).attrs())
	var parts []string
	for _, k := range kinds {
		if sum > 0 {
			parts = append(parts, fmt.Sprintf("%s %d%%", k, int(100*total[k]/sum)))
		} else {
			parts = append(parts, string(k))
		}
	}
	w.printf(`<title>%s: %d short spans, %s → %s (%s)</title></g>`, escape(lane), len(run), formatDuration(start), formatDuration(end), escape(strings.Join(parts, ", ")))
}

// drawMarks draws the marks of a lane whose spans start at y: a diamond
// at the top of the spans, a line through them, and the label where
// placeMarkLabels put it.
func drawMarks(w *svgWriter, marks []Mark, labels []markLabel, lane string, y float64, xOf func(time.Duration) float64) {
	for i, m := range marks {
		x := xOf(m.At)
		w.printf(`<g style="%s"><line x1="%s" y1="%s" x2="%s" y2="%s" style="%s"/><path d="%s"/>`, textStyle, num(x), num(y), num(x), num(y+svgBar), lineStyle, diamond(x, y))
		if l := labels[i]; l.row >= 0 {
			ly := y - 3 - float64(l.row)*svgMarkHead
			if l.left {
				w.printf(`<text x="%s" y="%s" font-size="10" text-anchor="end">%s</text>`, num(x-5), num(ly), escape(m.Label))
			} else {
				w.printf(`<text x="%s" y="%s" font-size="10">%s</text>`, num(x+5), num(ly), escape(m.Label))
			}
		}
		w.printf(`<title>%s: %s at %s</title></g>`, escape(lane), escape(m.Label), formatDuration(m.At))
	}
}

// markLabel says where the label of a mark is drawn.
type markLabel struct {
	row  int  // row above the lane, 0 nearest the spans; -1 when not drawn
	left bool // drawn to the left of the mark, ending there
}

// placeMarkLabels lays out the labels of one lane's marks so that none
// overlap. A label goes to the right of its mark, or to its left where it
// would pass right, the end of the axis; it takes the lowest of
// svgMarkRows rows where it clears the labels already there. A label that
// would overlap one with the same text is not drawn (a run of "tick" marks
// reads as ticks), and neither is one that finds no free row; every mark
// keeps its label in its hover title. rows is how many rows are used.
func placeMarkLabels(marks []Mark, right float64, xOf func(time.Duration) float64) (labels []markLabel, rows int) {
	labels = make([]markLabel, len(marks))
	order := make([]int, len(marks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(marks[a].At, marks[b].At) })
	type row struct {
		end  float64 // right end of the rightmost label so far
		last string  // its text
		used bool
	}
	var rs [svgMarkRows]row
	for _, i := range order {
		m := marks[i]
		labels[i].row = -1
		if m.Label == "" {
			continue
		}
		x := xOf(m.At)
		width := float64(utf8.RuneCountInString(m.Label)) * svgCharWidth * 10 / 11
		start, end := x+5, x+5+width
		if end > right {
			start, end, labels[i].left = x-5-width, x-5, true
		}
		for r := range rs {
			if rs[r].used && start < rs[r].end+svgMarkGap {
				if rs[r].last == m.Label {
					break
				}
				continue
			}
			rs[r] = row{end: end, last: m.Label, used: true}
			labels[i].row = r
			rows = max(rows, r+1)
			break
		}
	}
	return labels, rows
}

// diamond returns the path of a small diamond centred on x, y.
func diamond(x, y float64) string {
	return "M" + num(x) + " " + num(y-4) + "l4 4-4 4-4-4z"
}

// fitLabel returns label, or label shortened with an ellipsis, if it fits
// in width pixels; otherwise "".
func fitLabel(label string, width float64) string {
	n := utf8.RuneCountInString(label)
	fits := int(width / svgCharWidth)
	switch {
	case n == 0 || fits <= 0:
		return ""
	case n <= fits:
		return label
	case fits >= 4:
		return truncate(label, fits)
	}
	return ""
}

// truncate shortens s to at most n runes, ending with an ellipsis if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// escape makes s safe as XML text: it escapes markup and drops characters
// that XML does not allow.
func escape(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s)
	return escaper.Replace(s)
}

// visibleSpans returns the spans that overlap the axis from 0 to end.
func visibleSpans(spans []Span, end time.Duration) []Span {
	all := true
	for _, s := range spans {
		all = all && s.End >= 0 && s.Start <= end
	}
	if all {
		return spans
	}
	var vis []Span
	for _, s := range spans {
		if s.End >= 0 && s.Start <= end {
			vis = append(vis, s)
		}
	}
	return vis
}

// visibleMarks returns the marks on the axis from 0 to end.
func visibleMarks(marks []Mark, end time.Duration) []Mark {
	var vis []Mark
	for _, m := range marks {
		if m.At >= 0 && m.At <= end {
			vis = append(vis, m)
		}
	}
	return vis
}
