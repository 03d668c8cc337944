package display_test

import (
	"fmt"
	"time"

	"asyncgo/helpers/display"
)

// Outside the kernel, as when this example runs under go test, Show prints
// text; in a notebook the same calls show rich output.
func ExampleShow() {
	type Order struct {
		ID    int
		Items []string
		Wait  time.Duration
	}
	display.Show(Order{ID: 7, Items: []string{"tea", "cake"}, Wait: 90 * time.Second})
	display.Show("plain text")
	display.SVG(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>`)
	display.Markdown("**bold** move")
	// Output:
	// Order{ID: 7, Items: ["tea", "cake"], Wait: 1m30s}
	// plain text
	// [image/svg+xml: 61 B — run in Jupyter with gokernel to see it]
	// **bold** move
}

func ExampleFormat() {
	latency := map[string][]time.Duration{
		"fetch": {120 * time.Millisecond, 95 * time.Millisecond},
		"parse": {3 * time.Millisecond},
	}
	fmt.Println(display.Format(latency))
	fmt.Println(display.Format([]any{"worker", 3, nil, fmt.Errorf("canceled")}))
	// Output:
	// map["fetch": [120ms, 95ms], "parse": [3ms]]
	// ["worker", 3, nil, "canceled"]
}

// A Handle replaces its output in place: in a notebook this shows one line
// that counts up; outside, each update is printed.
func ExampleHandle() {
	progress := display.HandleWithID("download")
	progress.Show("0 of 3 files")
	for i := 1; i <= 3; i++ {
		progress.Update(fmt.Sprintf("%d of 3 files", i))
	}
	// Output:
	// 0 of 3 files
	// 1 of 3 files
	// 2 of 3 files
	// 3 of 3 files
}

func ExampleResult() {
	display.Result("gopher", 42, 1.5)
	// Output:
	// ("gopher", 42, 1.5)
}

func ExampleJSON() {
	display.JSON(map[string]any{"ok": true, "retries": []int{1, 2}})
	// Output:
	// {
	//   "ok": true,
	//   "retries": [
	//     1,
	//     2
	//   ]
	// }
}
