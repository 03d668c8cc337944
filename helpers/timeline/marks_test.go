package timeline_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/timeline"
)

func TestMarkLabelsStayInside(t *testing.T) {
	tests := []struct {
		at        time.Duration
		leftwards bool
	}{
		{time.Second, false},
		{99 * time.Second, true},
	}
	for _, tt := range tests {
		tl := timeline.New("marks")
		tl.Add(timeline.Span{Lane: "a", Kind: timeline.Running, End: 100 * time.Second})
		tl.AddMark(timeline.Mark{Lane: "a", Label: "a rather long label", At: tt.at})
		end := regexp.MustCompile(`<text[^>]*text-anchor="end"[^>]*>a rather long label<`).MatchString(tl.SVG())
		if end != tt.leftwards {
			t.Errorf("mark at %v: label drawn leftwards = %v, want %v", tt.at, end, tt.leftwards)
		}
	}
}

func TestMinuteAxisTicksOnWholeMinutes(t *testing.T) {
	for _, unit := range []time.Duration{0, time.Minute} {
		tl := timeline.New("grind")
		tl.Add(timeline.Span{Lane: "a", Kind: timeline.Running, End: 8 * time.Minute})
		tl.SetOptions(timeline.Options{Unit: unit})
		svg := tl.SVG()
		if regexp.MustCompile(`>\d+\.\d+ min<|>50 s<`).MatchString(svg) {
			t.Errorf("unit %v: ticks off whole minutes in %s", unit, regexp.MustCompile(`>[^<]*(min|s)<`).FindAllString(svg, -1))
		}
		if !strings.Contains(svg, ">2 min<") {
			t.Errorf("unit %v: no 2 min tick", unit)
		}
	}
}

func TestMarkLabelsDoNotOverlap(t *testing.T) {
	label := regexp.MustCompile(`<text x="([0-9.]+)" y="([0-9.]+)" font-size="10"[^>]*>([^<]*)<`)
	tests := []struct {
		name  string
		marks []timeline.Mark
		drawn []string // labels drawn, in order
		rows  int      // distinct label heights
	}{
		{"apart, one row", []timeline.Mark{{Label: "start", At: 0}, {Label: "finish", At: 90 * time.Second}},
			[]string{"start", "finish"}, 1},
		{"same instant, stacked", []timeline.Mark{{Label: "first word arrives", At: 50 * time.Second}, {Label: "reply complete", At: 50 * time.Second}},
			[]string{"first word arrives", "reply complete"}, 2},
		{"close together, stacked", []timeline.Mark{{Label: "sent", At: 10 * time.Second}, {Label: "received", At: 11 * time.Second}, {Label: "read", At: 12 * time.Second}},
			[]string{"sent", "received", "read"}, 3},
		{"a run of equal labels draws the ones that fit", []timeline.Mark{{Label: "tick", At: 10 * time.Second}, {Label: "tick", At: 11 * time.Second}, {Label: "tick", At: 12 * time.Second}, {Label: "tick", At: 40 * time.Second}},
			[]string{"tick", "tick"}, 1},
		{"no room left: the label stays in the title", []timeline.Mark{{Label: "a1", At: 10 * time.Second}, {Label: "b2", At: 10 * time.Second}, {Label: "c3", At: 10 * time.Second}, {Label: "d4", At: 10 * time.Second}},
			[]string{"a1", "b2", "c3"}, 3},
	}
	for _, tt := range tests {
		tl := timeline.New("marks")
		tl.Add(timeline.Span{Lane: "a", Kind: timeline.Running, End: 100 * time.Second})
		for _, m := range tt.marks {
			m.Lane = "a"
			tl.AddMark(m)
		}
		svg := tl.SVG()
		var drawn []string
		heights := map[string]bool{}
		for _, m := range label.FindAllStringSubmatch(svg, -1) {
			drawn = append(drawn, m[3])
			heights[m[2]] = true
		}
		if strings.Join(drawn, "|") != strings.Join(tt.drawn, "|") || len(heights) != tt.rows {
			t.Errorf("%s: drew %q in %d rows, want %q in %d", tt.name, drawn, len(heights), tt.drawn, tt.rows)
		}
		if n := strings.Count(svg, "<title>a: "); n != len(tt.marks) {
			t.Errorf("%s: %d mark titles, want one per mark (%d)", tt.name, n, len(tt.marks))
		}
	}
}
