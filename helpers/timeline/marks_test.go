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
