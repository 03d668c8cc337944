package timeline_test

import (
	"regexp"
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
