package exercise_test

import (
	"strings"
	"testing"

	"asyncgo/helpers/exercise"
)

func TestResultText(t *testing.T) {
	tests := []struct {
		r    exercise.Result
		want string
	}{
		{exercise.Result{Name: "Exercise 1", OK: true}, "✔ Exercise 1: correct"},
		{exercise.Result{Name: "Exercise 2", Detail: "got 3, want 4", Hint: "count the goroutines"}, "✘ Exercise 2: not yet (got 3, want 4). Hint: count the goroutines"},
		{exercise.Result{Name: "E", Hint: "h"}, "✘ E: not yet. Hint: h"},
	}
	for _, tt := range tests {
		if got := tt.r.Text(); got != tt.want {
			t.Errorf("Text() = %q, want %q", got, tt.want)
		}
		d := tt.r.DisplayData()
		if d.MIME["text/plain"] != tt.want {
			t.Errorf("text/plain = %q, want %q", d.MIME["text/plain"], tt.want)
		}
		html, _ := d.MIME["text/html"].(string)
		if !strings.Contains(html, tt.r.Name) {
			t.Errorf("HTML %q does not name the exercise", html)
		}
	}
}

func TestHintOnlyWhenNotYet(t *testing.T) {
	for _, ok := range []bool{true, false} {
		d := exercise.Result{Name: "E", OK: ok, Hint: "look again"}.DisplayData()
		h := d.MIME["text/html"].(string)
		if got := strings.Contains(h, "look again"); got == ok {
			t.Errorf("OK=%v: hint shown = %v in %s", ok, got, h)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	d := exercise.Result{Name: "<b>x</b>", Hint: "a < b"}.DisplayData()
	if h := d.MIME["text/html"].(string); strings.Contains(h, "<b>x</b>") || !strings.Contains(h, "a &lt; b") {
		t.Errorf("HTML not escaped: %s", h)
	}
}

func ExampleEqual() {
	exercise.Equal("Exercise 1", 2+2, 4, "add the numbers")
	exercise.Equal("Exercise 2", len("héllo"), 5, "len counts bytes, not letters")
	// Output:
	// ✔ Exercise 1: correct
	// ✘ Exercise 2: not yet (got 6, want 5). Hint: len counts bytes, not letters
}

func ExampleBetween() {
	ok := exercise.Between("Timing", 105, 100, 150, "four 100 ms waits done together take about 100 ms")
	if ok {
		// go on with the next part
	}
	// Output:
	// ✔ Timing: correct
}

func TestVerdict(t *testing.T) {
	if v := exercise.Verdict(true); !bool(v) || v.String() != "passed" || len(v.DisplayData().MIME) != 0 {
		t.Errorf("Verdict(true) = %v %q %v", bool(v), v.String(), v.DisplayData())
	}
	if v := exercise.Verdict(false); v || v.String() != "not yet" {
		t.Errorf("Verdict(false) = %v %q", bool(v), v.String())
	}
}
