package timeline_test

import (
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/timeline"
)

func TestSummaryRoundsDurations(t *testing.T) {
	tests := []struct {
		wall time.Duration
		want string
	}{
		{23349120 * time.Nanosecond, "wall 23.3 ms"},
		{196205184 * time.Nanosecond, "wall 196 ms"},
		{1500 * time.Millisecond, "wall 1.5 s"},
		{13 * time.Minute, "wall 13 min"},
		{750 * time.Nanosecond, "wall 750 ns"},
	}
	for _, tt := range tests {
		s := timeline.Summary{Wall: tt.wall, Busy: tt.wall}
		if got := s.String(); !strings.HasPrefix(got, tt.want+" ·") {
			t.Errorf("Summary{Wall: %v}.String() = %q, want it to start %q", tt.wall, got, tt.want)
		}
	}
}
