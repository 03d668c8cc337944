// Package exercise checks a learner's answers to the course's exercises.
//
// Each check shows one line in the notebook: a green tick with the
// exercise's name when the answer is right, or a red cross with what was
// expected and a hint when it is not. Outside a notebook the same line is
// printed as text. Checks return a Verdict, which is true when they
// passed, so a cell can go on only when the answer is right; a check on
// the last line of a cell shows its line and nothing more.
package exercise

import (
	"cmp"
	"fmt"
	"html"

	"asyncgo/helpers/display"
)

// Check shows whether the exercise called name was answered: ok is the
// verdict, hint what to look at when it is false.
func Check(name string, ok bool, hint string) Verdict {
	show(name, ok, "", hint)
	return Verdict(ok)
}

// Equal checks that got equals want.
func Equal[T comparable](name string, got, want T, hint string) Verdict {
	ok := got == want
	detail := ""
	if !ok {
		detail = fmt.Sprintf("got %s, want %s", display.Format(got), display.Format(want))
	}
	show(name, ok, detail, hint)
	return Verdict(ok)
}

// Between checks that lo <= got <= hi: for answers that vary a little from
// run to run, such as timings.
func Between[T cmp.Ordered](name string, got, lo, hi T, hint string) Verdict {
	ok := got >= lo && got <= hi
	detail := ""
	if !ok {
		detail = fmt.Sprintf("got %s, want between %s and %s", display.Format(got), display.Format(lo), display.Format(hi))
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
// plain-text alternative.
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
	return display.Data{MIME: map[string]any{"text/html": h, "text/plain": r.Text()}}
}

func show(name string, ok bool, detail, hint string) {
	display.Show(Result{Name: name, OK: ok, Detail: detail, Hint: hint})
}
