package server

import "testing"

func TestPartialCellName(t *testing.T) {
	tests := []struct {
		text string
		keep int
	}{
		{"hello\n", 0},
		{"at c", 1},
		{"at cel", 3},
		{"at cell", 4},
		{"at cell0a1b", 8},
		{"at cell0a1b2c3d4e5", 15},
		{"at cell0a1b2c3d4e5f", 0}, // complete: nothing to wait for
		{"at cellx", 0},
		{"excel", 3}, // the trailing "cel" may begin a name
	}
	for _, tt := range tests {
		if got := partialCellName([]byte(tt.text)); got != tt.keep {
			t.Errorf("partialCellName(%q) = %d, want %d", tt.text, got, tt.keep)
		}
	}
}
