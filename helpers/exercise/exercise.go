// Package exercise checks a learner's answers to the course's exercises.
//
// Each check shows one line in the notebook: a green tick with the
// exercise's name when the answer is right, or a red cross with what the
// answer was and a hint when it is not. A check never shows the answer it
// wants (the wanted value of Equal, the range of Between): a learner who
// runs the check on a wrong answer learns what to look at, not what to
// type. Outside a notebook the same line is printed as text.
//
// The line's display data carries its verdict for programs as well, in
// the metadata key MetadataKey:
//
//	{"asyncgo/exercise": {"name": "ex1-fan-out", "passed": false}}
//
// so that a test running a notebook can tell which checks passed without
// reading the text.
//
// Checks return a Verdict, which is true when they passed, so a cell can
// go on only when the answer is right; a check on the last line of a cell
// shows its line and nothing more.
package exercise

import (
	"cmp"
	"fmt"
	"html"

	"asyncgo/helpers/display"
)

// MetadataKey is the key of the display metadata that carries a check's
// name and verdict: {"name": string, "passed": bool}.
const MetadataKey = "asyncgo/exercise"

// Check shows whether the exercise called name was answered: ok is the
// verdict, hint what to look at when it is false.
func Check(name string, ok bool, hint string) Verdict {
	show(name, ok, "", hint)
	return Verdict(ok)
}

// Equal checks that got equals want. When it does not, it shows got and
// the hint, never want.
func Equal[T comparable](name string, got, want T, hint string) Verdict {
	ok := got == want
	detail := ""
	if !ok {
		detail = "got " + display.Format(got)
	}
	show(name, ok, detail, hint)
	return Verdict(ok)
}

// Between checks that lo <= got <= hi: for answers that vary a little from
// run to run, such as timings. When got is outside, it shows got and the
// hint, never the bounds.
func Between[T cmp.Ordered](name string, got, lo, hi T, hint string) Verdict {
	ok := got >= lo && got <= hi
	detail := ""
	if !ok {
		detail = "got " + display.Format(got)
	}
	show(name, ok, detail, hint)
	return Verdict(ok)
}

// Verdict is whether a check passed. It is a bool (if exercise.Equal(...)
// works), and as the value of a cell's last line it shows nothing more
// than the line the check already showed.
type Verdict bool

// DisplayData is empty: the check has shown itself already.
func (v Verdict) DisplayData() display.Data { return display.Data{} }

// String returns "passed" or "not yet".
func (v Verdict) String() string {
	if v {
		return "passed"
	}
	return "not yet"
}

// Result is the outcome of one check, as it is displayed.
type Result struct {
	Name   string
	OK     bool
	Detail string // what was wrong, when not OK
	Hint   string
}

// Text returns the one-line text form of r.
func (r Result) Text() string {
	if r.OK {
		return "✔ " + r.Name + ": correct"
	}
	s := "✘ " + r.Name + ": not yet"
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	if r.Hint != "" {
		s += ". Hint: " + r.Hint
	}
	return s
}

// DisplayData renders r for the notebook, with its text form as the
// plain-text alternative and its name and verdict in the metadata under
// MetadataKey.
func (r Result) DisplayData() display.Data {
	colour, mark, verdict := "#1a7f37", "✔", "correct"
	if !r.OK {
		colour, mark, verdict = "#cf222e", "✘", "not yet"
	}
	h := fmt.Sprintf(`<div style="border-left:4px solid %s;padding:4px 10px;margin:2px 0"><b style="color:%s">%s %s</b>: %s`,
		colour, colour, mark, html.EscapeString(r.Name), verdict)
	if r.Detail != "" {
		h += " — " + html.EscapeString(r.Detail)
	}
	if !r.OK && r.Hint != "" {
		h += "<br><i>Hint:</i> " + html.EscapeString(r.Hint)
	}
	h += "</div>"
	return display.Data{
		MIME:     map[string]any{"text/html": h, "text/plain": r.Text()},
		Metadata: map[string]any{MetadataKey: map[string]any{"name": r.Name, "passed": r.OK}},
	}
}

func show(name string, ok bool, detail, hint string) {
	display.Show(Result{Name: name, OK: ok, Detail: detail, Hint: hint})
}
