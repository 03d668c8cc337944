package exercise_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/exercise"
)

func TestResultText(t *testing.T) {
	tests := []struct {
		r    exercise.Result
		want string
	}{
		{exercise.Result{Name: "Exercise 1", OK: true}, "✔ Exercise 1: correct"},
		{exercise.Result{Name: "Exercise 2", Detail: "got 3", Hint: "count the goroutines"}, "✘ Exercise 2: not yet (got 3). Hint: count the goroutines"},
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
	// ✘ Exercise 2: not yet (got 6). Hint: len counts bytes, not letters
}

func TestMetadata(t *testing.T) {
	for _, ok := range []bool{true, false} {
		d := exercise.Result{Name: "ex1-fan-out", OK: ok, Hint: "h"}.DisplayData()
		md, _ := d.Metadata[exercise.MetadataKey].(map[string]any)
		if md["name"] != "ex1-fan-out" || md["passed"] != ok || len(md) != 2 {
			t.Errorf("OK=%v: metadata %v, want name ex1-fan-out and passed %v", ok, d.Metadata, ok)
		}
	}
}

// TestNeverShowsTheAnswer runs the checks as a learner does, on wrong
// answers, and looks for the wanted value in everything they show.
func TestNeverShowsTheAnswer(t *testing.T) {
	tests := []struct {
		name   string
		check  func() exercise.Verdict
		hidden []string // what the output must not contain
		shown  string   // what it must contain
	}{
		{"Equal int", func() exercise.Verdict { return exercise.Equal("e", 41, 4242, "h") }, []string{"4242"}, "got 41"},
		{"Equal string", func() exercise.Verdict { return exercise.Equal("e", "abc", "secret", "h") }, []string{"secret"}, "got abc"},
		{"Between below", func() exercise.Verdict { return exercise.Between("e", 3, 1000, 2000, "h") }, []string{"1000", "2000"}, "got 3"},
		{"Between above", func() exercise.Verdict {
			return exercise.Between("e", 9*time.Second, 1500*time.Millisecond, 2500*time.Millisecond, "h")
		}, []string{"1.5s", "2.5s"}, "got 9s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v exercise.Verdict
			out := captureStdout(t, func() { v = tt.check() })
			if v {
				t.Fatalf("check passed on a wrong answer")
			}
			for _, h := range tt.hidden {
				if strings.Contains(out, h) {
					t.Errorf("output shows %q, part of the answer: %s", h, out)
				}
			}
			if !strings.Contains(out, tt.shown) || !strings.Contains(out, "Hint: h") {
				t.Errorf("output %q does not show %q and the hint", out, tt.shown)
			}
		})
	}
}

// captureStdout returns what f prints on standard output, where the
// checks print their line outside a notebook.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	f()
	os.Stdout = old
	w.Close()
	return string(<-done)
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
