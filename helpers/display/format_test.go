package display_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/display"
)

type Point struct{ X, Y int }

type Job struct {
	Name    string
	Timeout time.Duration
	Tags    []string
	Parent  *Job
	Err     error
	private time.Duration
}

type Node struct {
	Value int
	Next  *Node
}

type celsius float64

func (c celsius) String() string { return fmt.Sprintf("%.1f°C", float64(c)) }

type panicky struct{}

func (*panicky) String() string { panic("oops") }

type chart struct{}

func (chart) DisplayData() display.Data {
	return display.Data{MIME: map[string]any{"image/svg+xml": "<svg/>", "text/plain": "a chart"}}
}

type picture struct{}

func (picture) DisplayData() display.Data { return display.NewData("image/png", []byte("\x89PNG")) }

func TestFormat(t *testing.T) {
	var nilPoint *Point
	var nilErr error
	loop := &Node{Value: 1}
	loop.Next = &Node{Value: 2, Next: loop}
	buffered := make(chan int, 4)
	buffered <- 1
	long := make([]int, 105)
	for i := range long {
		long[i] = i
	}
	deep := any(1)
	for range 12 {
		deep = []any{deep}
	}
	moment := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "nil"},
		{"string", "hello\n", "hello\n"},
		{"error", errors.New("disk full"), "disk full"},
		{"nil error", nilErr, "nil"},
		{"int", -42, "-42"},
		{"uint8", uint8(200), "200"},
		{"float", 0.1, "0.1"},
		{"float32", float32(0.1), "0.1"},
		{"big float", 1e21, "1e+21"},
		{"complex", complex(1, -2), "(1-2i)"},
		{"bool", true, "true"},
		{"duration", 1500 * time.Millisecond, "1.5s"},
		{"time", moment, "2024-05-01 12:30:00 +0000 UTC"},
		{"stringer", celsius(21.5), "21.5°C"},
		{"panicking stringer", &panicky{}, "<panic in String or Error method: oops>"},
		{"nil stringer pointer", (*panicky)(nil), "nil"},
		{"renderer", chart{}, "a chart"},
		{"renderer without text", picture{}, "[image/png: 4 B — run in Jupyter with gokernel to see it]"},
		{"renderers in slice", []display.Renderer{chart{}, chart{}}, "[a chart, a chart]"},
		{"struct", Point{1, 2}, "Point{X: 1, Y: 2}"},
		{"pointer to struct", &Point{3, 4}, "&Point{X: 3, Y: 4}"},
		{"nil pointer", nilPoint, "nil"},
		{"pointer to int", new(int), "&0"},
		{"anonymous struct", struct{ A string }{"x"}, `{A: "x"}`},
		{"empty struct", struct{}{}, "{}"},
		{"nested", Job{Name: "go", Timeout: 2 * time.Second, Err: errors.New("eof"), private: time.Minute},
			`Job{Name: "go", Timeout: 2s, Tags: [], Parent: nil, Err: "eof", private: 1m0s}`},
		{"slice", []int{1, 2, 3}, "[1, 2, 3]"},
		{"nil slice", []string(nil), "[]"},
		{"array", [2]bool{true, false}, "[true, false]"},
		{"strings in slice", []string{"a", "b\n"}, `["a", "b\n"]`},
		{"errors in slice", []error{errors.New("x"), nil}, `["x", nil]`},
		{"any slice", []any{1, "two", 3.0, nil}, `[1, "two", 3, nil]`},
		{"map sorted", map[string]int{"b": 2, "a": 1, "c": 3}, `map["a": 1, "b": 2, "c": 3]`},
		{"map int keys numeric", map[int]string{10: "ten", 9: "nine", -1: "minus"}, `map[-1: "minus", 9: "nine", 10: "ten"]`},
		{"map mixed keys", map[any]int{"a": 1, 2: 2, 1.5: 3, false: 4, true: 5}, `map[false: 4, true: 5, 2: 2, 1.5: 3, "a": 1]`},
		{"map struct keys", map[Point]bool{{2, 1}: true, {1, 2}: false}, `map[Point{X: 1, Y: 2}: false, Point{X: 2, Y: 1}: true]`},
		{"nil map", map[string]int(nil), "nil"},
		{"chan", buffered, "chan int (len 1, cap 4)"},
		{"func", strings.ToUpper, "func(string) string"},
		{"cycle", loop, "&Node{Value: 1, Next: &Node{Value: 2, Next: <cycle>}}"},
		{"long slice", long, "[\n" + longLines(100) + "  … 5 more,\n]"},
		{"deep", deep, "[[[[[[[[[[[…]]]]]]]]]]]"},
		{"multiline", []Job{{Name: "a very long name for a job", Timeout: time.Hour}, {Name: "b", Tags: []string{"x"}}},
			`[
  Job{
    Name: "a very long name for a job",
    Timeout: 1h0m0s,
    Tags: [],
    Parent: nil,
    Err: nil,
    private: 0s,
  },
  Job{Name: "b", Timeout: 0s, Tags: ["x"], Parent: nil, Err: nil, private: 0s},
]`},
		{"multiline stringer inside", []fmt.Stringer{lines("a\nb")}, "[\n  a\n  b,\n]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Format(tt.v); got != tt.want {
				t.Errorf("Format(%#v) =\n%s\nwant\n%s", tt.v, got, tt.want)
			}
		})
	}
}

type lines string

func (l lines) String() string { return string(l) }

// longLines returns the lines of a formatted slice 0, 1, ..., n-1.
func longLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  %d,\n", i)
	}
	return b.String()
}

func BenchmarkFormat(b *testing.B) {
	jobs := make([]Job, 50)
	for i := range jobs {
		jobs[i] = Job{Name: fmt.Sprint("job", i), Timeout: time.Duration(i) * time.Second, Tags: []string{"a", "b"}}
	}
	for b.Loop() {
		display.Format(jobs)
	}
}
