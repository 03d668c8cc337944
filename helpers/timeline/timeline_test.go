package timeline_test

import (
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"asyncgo/helpers/timeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// picture is anything this package draws.
type picture interface {
	SVG() string
	Text() string
}

// requests is a small timeline built with Add: every built-in kind, a
// custom kind, a mark, and a lane used first by a mark.
func requests() *timeline.Timeline {
	ms := time.Millisecond
	tl := timeline.New("Two requests & a <queue>")
	tl.AddMark(timeline.Mark{Lane: "request 1", Label: "arrived", At: 0})
	tl.Add(timeline.Span{Lane: "request 1", Kind: timeline.Running, Label: "parse", Start: 0, End: 100 * ms})
	tl.Add(timeline.Span{Lane: "request 1", Kind: timeline.Waiting, Label: "database", Start: 100 * ms, End: 700 * ms, Detail: "SELECT * FROM dishes"})
	tl.Add(timeline.Span{Lane: "request 1", Kind: timeline.Running, Label: "render", Start: 700 * ms, End: 800 * ms})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Runnable, Label: "queued", Start: 0, End: 100 * ms})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Running, Label: "parse", Start: 100 * ms, End: 200 * ms})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Blocked, Label: "cache lock", Start: 200 * ms, End: 450 * ms})
	tl.Add(timeline.Span{Lane: "request 2", Kind: "gc", Label: "gc assist", Start: 450 * ms, End: 500 * ms})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Waiting, Label: "database", Start: 500 * ms, End: 1100 * ms})
	return tl
}

// kitchen is a story that uses every feature of Sim: workers, waits,
// spawned tasks, events, joins and marks.
func kitchen() *timeline.Sim {
	sim := timeline.NewSim("Kitchen, two cooks", timeline.SimOptions{Workers: 2, WorkerName: "cook"})
	oven := sim.Event("oven hot")
	sim.Go("oven", func(t *timeline.Task) {
		t.Wait("heat up", 12*time.Minute)
		t.Fire(oven)
	})
	sim.Go("bread", func(t *timeline.Task) {
		t.Work("knead", 5*time.Minute)
		t.Await("wait for the oven", oven)
		t.Wait("bake", 20*time.Minute)
	})
	sim.Go("soup", func(t *timeline.Task) {
		veg := t.Go("vegetables", func(t *timeline.Task) {
			for i := range 3 {
				t.Work("chop "+strconv.Itoa(i+1), 2*time.Minute)
			}
		})
		t.Work("stock", 4*time.Minute)
		t.Join("wait for vegetables", veg)
		t.Wait("simmer", 15*time.Minute)
		t.Mark("served")
	})
	sim.Go("dessert", func(t *timeline.Task) {
		t.Work("whip cream", 3*time.Minute)
		t.Work("plate", time.Minute)
	})
	return sim
}

func goldenCases() []struct {
	name string
	pic  func() picture
} {
	return []struct {
		name string
		pic  func() picture
	}{
		{"requests", func() picture { return requests() }},
		{"requests-options", func() picture {
			tl := requests()
			tl.SetOptions(timeline.Options{Width: 600, Columns: 50, Order: timeline.ByName, Unit: time.Second,
				Legend: []timeline.Kind{timeline.Running, timeline.Waiting}, End: 900 * time.Millisecond})
			return tl
		}},
		{"kitchen", func() picture { return kitchen().Run() }},
		{"kitchen-stack", func() picture {
			sim := kitchen()
			return timeline.Stack(sim.Run(), sim.Workers())
		}},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pic()
			for ext, got := range map[string]string{"svg": p.SVG(), "txt": p.Text()} {
				path := filepath.Join("testdata", tc.name+"."+ext)
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s (run go test -update if the change is intended):\n%s", ext, path, got)
				}
			}
		})
	}
}

// svgShapes parses an SVG document and returns its spans (rects inside a
// group with a title), the x range of the time axis (the horizontal line)
// and the root element's attributes.
func svgShapes(t *testing.T, svg string) (spans [][2]float64, axis [2]float64, root map[string]string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var stack []string
	var group [][2]float64 // rects of the innermost group
	num := func(attrs []xml.Attr, name string) float64 {
		for _, a := range attrs {
			if a.Name.Local == name {
				f, err := strconv.ParseFloat(a.Value, 64)
				if err != nil {
					t.Fatalf("attribute %s=%q: %v", name, a.Value, err)
				}
				return f
			}
		}
		return 0
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if root == nil {
				root = map[string]string{}
				for _, a := range e.Attr {
					root[a.Name.Local] = a.Value
				}
			}
			switch e.Name.Local {
			case "g":
				group = nil
			case "rect":
				x, w := num(e.Attr, "x"), num(e.Attr, "width")
				group = append(group, [2]float64{x, x + w})
			case "line":
				if y1, y2 := num(e.Attr, "y1"), num(e.Attr, "y2"); y1 == y2 {
					axis = [2]float64{num(e.Attr, "x1"), num(e.Attr, "x2")}
				}
			case "title":
				if len(stack) > 0 && stack[len(stack)-1] == "g" {
					spans = append(spans, group...)
					group = nil
				}
			}
			stack = append(stack, e.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("SVG ends with open elements %v", stack)
	}
	return spans, axis, root
}

func TestSVGInvariants(t *testing.T) {
	outside := timeline.New("spans outside the axis")
	outside.Add(timeline.Span{Lane: "a", Kind: timeline.Running, Start: -time.Second, End: time.Second})
	outside.Add(timeline.Span{Lane: "a", Kind: timeline.Waiting, Start: 2 * time.Second, End: 9 * time.Second})
	outside.Add(timeline.Span{Lane: "b", Kind: timeline.Running, Start: 8 * time.Second, End: 9 * time.Second})
	outside.SetOptions(timeline.Options{End: 5 * time.Second})
	cases := map[string]picture{"outside": outside, "empty": timeline.New("nothing yet")}
	for _, tc := range goldenCases() {
		cases[tc.name] = tc.pic()
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			spans, axis, root := svgShapes(t, p.SVG())
			if root["width"] != "100%" || len(strings.Fields(root["viewBox"])) != 4 {
				t.Errorf("root element has width=%q viewBox=%q; want 100%% and a viewBox", root["width"], root["viewBox"])
			}
			if axis[1] <= axis[0] {
				t.Fatalf("no time axis found (x range %v)", axis)
			}
			for _, s := range spans {
				if s[0] < axis[0]-0.05 || s[1] > axis[1]+0.05 {
					t.Errorf("span from x=%v to %v lies outside the axis %v", s[0], s[1], axis)
				}
			}
		})
	}
}

func TestTextInvariants(t *testing.T) {
	for _, cols := range []int{0, 40, 50, 100} {
		for _, tc := range goldenCases() {
			t.Run(fmt.Sprintf("%s/%d", tc.name, cols), func(t *testing.T) {
				p := tc.pic()
				if tl, ok := p.(*timeline.Timeline); ok {
					o := tl.Options()
					o.Columns = cols
					tl.SetOptions(o)
				}
				want := cols
				if want == 0 {
					want = 72
				}
				var rows []int
				for _, line := range strings.Split(p.Text(), "\n") {
					if strings.Contains(line, "│") {
						rows = append(rows, utf8.RuneCountInString(line))
					}
				}
				if len(rows) == 0 {
					t.Fatal("no lane rows")
				}
				for _, n := range rows {
					if n != rows[0] {
						t.Errorf("lane rows have different widths: %v", rows)
						break
					}
				}
				if _, stacked := p.(*timeline.Stacked); !stacked && rows[0] != want {
					t.Errorf("lane rows are %d columns wide; want %d", rows[0], want)
				}
			})
		}
	}
}

// laneRows returns the lane names in the order the text rendering draws them.
func laneRows(text string) []string {
	var names []string
	for _, line := range strings.Split(text, "\n") {
		if name, _, ok := strings.Cut(line, "│"); ok {
			names = append(names, strings.TrimSpace(name))
		}
	}
	return names
}

func TestLaneOrder(t *testing.T) {
	build := func() *timeline.Timeline {
		tl := timeline.New("")
		tl.Lane("zebra")
		tl.Add(timeline.Span{Lane: "mango", Kind: timeline.Running, Start: 3, End: 4})
		tl.AddMark(timeline.Mark{Lane: "apple", At: 2})
		tl.Add(timeline.Span{Lane: "kiwi", Kind: timeline.Waiting, Start: 1, End: 5})
		tl.Add(timeline.Span{Lane: "zebra", Kind: timeline.Running, Start: 9, End: 10})
		tl.Lane("empty")
		return tl
	}
	if got, want := build().Lanes(), []string{"zebra", "mango", "apple", "kiwi", "empty"}; !slices.Equal(got, want) {
		t.Errorf("Lanes() = %v; want first-use order %v", got, want)
	}
	for _, tc := range []struct {
		order timeline.LaneOrder
		want  []string
	}{
		{timeline.FirstUse, []string{"zebra", "mango", "apple", "kiwi", "empty"}},
		{timeline.ByName, []string{"apple", "empty", "kiwi", "mango", "zebra"}},
		{timeline.ByStart, []string{"kiwi", "apple", "mango", "zebra", "empty"}},
	} {
		tl := build()
		tl.SetOptions(timeline.Options{Order: tc.order})
		if got := laneRows(tl.Text()); !slices.Equal(got, tc.want) {
			t.Errorf("order %d draws lanes %v; want %v", tc.order, got, tc.want)
		}
		if got := tl.Lanes(); got[0] != "zebra" {
			t.Errorf("order %d changed Lanes() to %v", tc.order, got)
		}
	}
}

func TestSpansAndMarksOrder(t *testing.T) {
	tl := timeline.New("")
	tl.Lane("b")
	tl.Add(timeline.Span{Lane: "a", Label: "late", Start: 5, End: 6})
	tl.Add(timeline.Span{Lane: "a", Label: "a0", Start: 0, End: 1})
	tl.Add(timeline.Span{Lane: "b", Label: "b0", Start: 0, End: 3})
	tl.Add(timeline.Span{Lane: "b", Label: "backwards", Start: 7, End: 2})
	var labels []string
	for _, s := range tl.Spans() {
		labels = append(labels, s.Label)
		if s.End < s.Start {
			t.Errorf("span %q ends before it starts: %+v", s.Label, s)
		}
	}
	if want := []string{"b0", "a0", "late", "backwards"}; !slices.Equal(labels, want) {
		t.Errorf("Spans() order = %v; want %v (by start, then lane order)", labels, want)
	}
	tl.AddMark(timeline.Mark{Lane: "a", Label: "m2", At: 2})
	tl.AddMark(timeline.Mark{Lane: "a", Label: "m1", At: 1})
	if m := tl.Marks(); len(m) != 2 || m[0].Label != "m1" {
		t.Errorf("Marks() = %+v; want m1 first", m)
	}
}

func TestAxisUnits(t *testing.T) {
	for _, tc := range []struct {
		end  time.Duration
		unit time.Duration
		want []string // labels that must appear on the axis
	}{
		{800 * time.Nanosecond, 0, []string{"0", "200 ns", "600 ns"}},
		{3 * time.Microsecond, 0, []string{"1 µs", "2 µs"}},
		{2500 * time.Microsecond, 0, []string{"0.5 ms", "2 ms"}},
		{4 * time.Second, 0, []string{"1 s", "3 s"}},
		{90 * time.Second, 0, []string{"20 s", "80 s"}},
		{17 * time.Minute, 0, []string{"5 min", "15 min"}},
		{5 * time.Hour, 0, []string{"1 h", "4 h"}},
		{4 * time.Second, time.Millisecond, []string{"1000 ms", "3000 ms"}},
	} {
		tl := timeline.New("")
		tl.Add(timeline.Span{Lane: "x", Kind: timeline.Running, Start: 0, End: tc.end})
		tl.SetOptions(timeline.Options{Unit: tc.unit})
		lines := strings.Split(tl.Text(), "\n")
		var axis string
		for i, l := range lines {
			if strings.Contains(l, "└") {
				axis = lines[i+1]
			}
		}
		labels := strings.Split(axis, "  ")
		for i := range labels {
			labels[i] = strings.TrimSpace(labels[i])
		}
		for _, w := range tc.want {
			if !slices.Contains(labels, w) {
				t.Errorf("axis for %v (unit %v) = %q; want a label %q", tc.end, tc.unit, axis, w)
			}
		}
	}
}

func TestSummary(t *testing.T) {
	s := func(lane string, k timeline.Kind, start, end time.Duration) timeline.Span {
		return timeline.Span{Lane: lane, Kind: k, Start: start, End: end}
	}
	for _, tc := range []struct {
		name  string
		spans []timeline.Span
		want  timeline.Summary
		text  string
	}{
		{"empty", nil, timeline.Summary{}, "wall 0 ns"},
		{"touching spans do not overlap",
			[]timeline.Span{s("a", timeline.Running, 0, time.Second), s("b", timeline.Running, time.Second, 2*time.Second)},
			timeline.Summary{Wall: 2 * time.Second, Busy: 2 * time.Second, MaxRunning: 1}, ""},
		{"parallel work counts busy time twice",
			[]timeline.Span{s("a", timeline.Running, 0, time.Second), s("b", timeline.Running, 500*time.Millisecond, 1500*time.Millisecond)},
			timeline.Summary{Wall: 1500 * time.Millisecond, Busy: 2 * time.Second, MaxRunning: 2}, "wall 1.5 s · busy 2 s · at most 2 running at once"},
		{"one lane counts once",
			[]timeline.Span{s("a", timeline.Waiting, 0, 3), s("a", timeline.Blocked, 1, 2), s("b", timeline.Waiting, 2, 4)},
			timeline.Summary{Wall: 4, MaxWaiting: 2}, "wall 4 ns · at most 2 waiting at once"},
		{"runnable and custom kinds",
			[]timeline.Span{s("a", timeline.Runnable, 0, time.Minute), s("b", timeline.Runnable, 0, time.Minute), s("c", "gc", 0, 90*time.Minute)},
			timeline.Summary{Wall: 90 * time.Minute, MaxRunnable: 2}, "wall 1 h 30 min · at most 2 runnable at once"},
	} {
		tl := timeline.New(tc.name)
		for _, sp := range tc.spans {
			tl.Add(sp)
		}
		got := tl.Summary()
		if got != tc.want {
			t.Errorf("%s: Summary() = %+v; want %+v", tc.name, got, tc.want)
		}
		if tc.text != "" && got.String() != tc.text {
			t.Errorf("%s: String() = %q; want %q", tc.name, got.String(), tc.text)
		}
	}
}

func TestDisplayData(t *testing.T) {
	tl := requests()
	st := timeline.Stack(requests(), kitchen().Run())
	for name, tc := range map[string]struct {
		data      map[string]any
		svg, text string
	}{
		"timeline": {tl.DisplayData().MIME, tl.SVG(), tl.Text()},
		"stacked":  {st.DisplayData().MIME, st.SVG(), st.Text()},
	} {
		if tc.data["text/plain"] != tc.text || len(tc.data) != 2 {
			t.Errorf("%s: DisplayData has MIME types %v; want text/html and the text rendering", name, keys(tc.data))
		}
		html, _ := tc.data["text/html"].(string)
		const prefix = `<img src="data:image/svg+xml;charset=utf-8,`
		rest, ok := strings.CutPrefix(html, prefix)
		end := strings.IndexByte(rest, '"')
		if !ok || end < 0 {
			t.Errorf("%s: text/html does not start with %s...\": %.80s", name, prefix, html)
			continue
		}
		// The data URL decodes to the SVG drawing, and holds nothing that
		// would end the attribute or the URL early.
		if svg, err := url.PathUnescape(rest[:end]); err != nil || svg != strings.TrimSpace(tc.svg) {
			t.Errorf("%s: the image's data URL does not decode to the SVG drawing (err %v)", name, err)
		}
		if strings.ContainsAny(rest[:end], "<>&#\n") {
			t.Errorf("%s: the data URL holds characters that HTML or the URL parser would change", name)
		}
		// Trusted, the image puts the SVG itself in its place.
		if !strings.Contains(rest[end:], `onload="this.outerHTML=decodeURIComponent(`) {
			t.Errorf("%s: the image does not replace itself with the inline SVG: %s", name, rest[end:])
		}
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestConcurrentRecording(t *testing.T) {
	const goroutines, each = 100, 20
	tl := timeline.New("many goroutines")
	shared := tl.Lane("shared")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			lane := tl.Lane(fmt.Sprintf("g%03d", g))
			for i := range each {
				a := lane.Begin(timeline.Runnable, "step")
				a.End()
				a.End() // a second End records nothing
				lane.Run("run", func() {})
				shared.Wait("wait", func() {})
				if i == 0 {
					lane.Mark("started")
				}
			}
		})
	}
	wg.Wait()
	spans := tl.Spans()
	if want := goroutines * each * 3; len(spans) != want {
		t.Errorf("recorded %d spans; want %d", len(spans), want)
	}
	if n := len(tl.Marks()); n != goroutines {
		t.Errorf("recorded %d marks; want %d", n, goroutines)
	}
	if n := len(tl.Lanes()); n != goroutines+1 || tl.Lanes()[0] != "shared" {
		t.Errorf("Lanes() has %d lanes starting with %q; want %d starting with shared", n, tl.Lanes()[0], goroutines+1)
	}
	for _, s := range spans {
		if s.Start < 0 || s.End < s.Start {
			t.Fatalf("span with impossible times: %+v", s)
		}
	}
}

func TestRunRecordsPanickingFunction(t *testing.T) {
	tl := timeline.New("")
	func() {
		defer func() { recover() }()
		tl.Lane("a").Run("boom", func() { panic("boom") })
	}()
	if s := tl.Spans(); len(s) != 1 || s[0].Label != "boom" || s[0].Kind != timeline.Running {
		t.Errorf("Spans() = %+v; want the running span of the panicking function", s)
	}
}

// bigTimeline has n spans over 10 lanes, most far narrower than a pixel.
func bigTimeline(n int) *timeline.Timeline {
	tl := timeline.New("big")
	kinds := []timeline.Kind{timeline.Running, timeline.Waiting, timeline.Runnable, timeline.Blocked}
	for i := range n {
		start := time.Duration(i) * time.Microsecond
		tl.Add(timeline.Span{Lane: "lane " + strconv.Itoa(i%10), Kind: kinds[i%len(kinds)], Label: "op", Start: start, End: start + time.Duration(1+i%7)*time.Microsecond})
	}
	tl.Add(timeline.Span{Lane: "lane 0", Kind: timeline.Running, Label: "wide", Start: 0, End: time.Duration(n/3) * time.Microsecond})
	return tl
}

func TestLargeSVG(t *testing.T) {
	svg := bigTimeline(100_000).SVG()
	if len(svg) > 3<<20 {
		t.Errorf("SVG of 100000 spans is %d bytes; want at most 3 MiB", len(svg))
	}
	spans, axis, _ := svgShapes(t, svg)
	for _, s := range spans {
		if s[0] < axis[0]-0.05 || s[1] > axis[1]+0.05 {
			t.Fatalf("span from x=%v to %v lies outside the axis %v", s[0], s[1], axis)
		}
	}
	if !strings.Contains(svg, "short spans") {
		t.Error("narrow spans were not merged")
	}
}

func BenchmarkSVG100k(b *testing.B) {
	tl := bigTimeline(100_000)
	var size int
	for b.Loop() {
		size = len(tl.SVG())
	}
	b.ReportMetric(float64(size), "bytes")
}

func BenchmarkText100k(b *testing.B) {
	tl := bigTimeline(100_000)
	var size int
	for b.Loop() {
		size = len(tl.Text())
	}
	b.ReportMetric(float64(size), "bytes")
}

func BenchmarkBeginEnd(b *testing.B) {
	tl := timeline.New("bench")
	b.RunParallel(func(pb *testing.PB) {
		lane := tl.Lane("worker")
		for pb.Next() {
			lane.Begin(timeline.Running, "op").End()
		}
	})
}
