package timeline_test

import (
	"fmt"
	"time"

	"asyncgo/helpers/timeline"
)

// dinner is the story of two dishes cooked by the given number of cooks.
func dinner(cooks int) *timeline.Sim {
	title := "Dinner, one cook"
	if cooks > 1 {
		title = fmt.Sprintf("Dinner, %d cooks", cooks)
	}
	sim := timeline.NewSim(title, timeline.SimOptions{Workers: cooks, WorkerName: "cook"})
	sim.Go("pasta", func(t *timeline.Task) {
		t.Work("chop", 3*time.Minute)
		t.Wait("boil water", 10*time.Minute)
		t.Work("stir", 2*time.Minute)
	})
	sim.Go("salad", func(t *timeline.Task) {
		t.Work("wash", 4*time.Minute)
		t.Work("cut", 8*time.Minute)
	})
	return sim
}

// One cook switches between two dishes: the salad waits (runnable) while
// the cook chops for the pasta, and gets made while the water boils.
func ExampleSim() {
	sim := dinner(1)
	tl := sim.Run()
	fmt.Print(tl.Text())
	fmt.Print(sim.Workers().Text())
	// Output:
	// Dinner, one cook
	// pasta │███████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░·······████████│
	// salad │···········██████████████████████████████████████████████       │
	//       └┬─────────────────┬──────────────────┬──────────────────┬───────┘
	//        0                 5 min              10 min             15 min
	//        █ running  · runnable  ░ waiting
	// wall 17 min · busy 17 min · at most 1 running, 1 waiting, 1 runnable at once
	// Dinner, one cook: per cook
	// cook 1 │███████████████████████████████████████████████████████████████│
	//        └┬─────────────────┬──────────────────┬─────────────────┬───────┘
	//         0                 5 min              10 min            15 min
	//         █ running
	// wall 17 min · busy 17 min · at most 1 running at once
}

func ExampleTimeline_Text() {
	tl := timeline.New("Two requests, one after the other")
	tl.Add(timeline.Span{Lane: "request 1", Kind: timeline.Running, Label: "parse", Start: 0, End: 100 * time.Millisecond})
	tl.Add(timeline.Span{Lane: "request 1", Kind: timeline.Waiting, Label: "database", Start: 100 * time.Millisecond, End: 900 * time.Millisecond})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Blocked, Label: "queued", Start: 0, End: 900 * time.Millisecond})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Running, Label: "parse", Start: 900 * time.Millisecond, End: time.Second})
	tl.Add(timeline.Span{Lane: "request 2", Kind: timeline.Waiting, Label: "database", Start: time.Second, End: 1800 * time.Millisecond})
	tl.AddMark(timeline.Mark{Lane: "request 2", Label: "arrived", At: 0})
	tl.SetOptions(timeline.Options{Columns: 60})
	fmt.Print(tl)
	// Output:
	// Two requests, one after the other
	// request 1 │███░░░░░░░░░░░░░░░░░░░░░                        │
	// request 2 │◆▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒███░░░░░░░░░░░░░░░░░░░░░│
	//           └┬────────────┬────────────┬─────────────┬───────┘
	//            0            0.5 s        1 s           1.5 s
	//            █ running  ░ waiting  ▒ blocked  ◆ mark
	// wall 1.8 s · busy 200 ms · at most 1 running, 2 waiting at once
}

// The same dinner with one cook and with two, on one time scale.
func ExampleStack() {
	one, two := dinner(1).Run(), dinner(2).Run()
	fmt.Print(timeline.Stack(one, two).Text())
	// Output:
	// Dinner, one cook
	// pasta │███████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░·······████████│
	// salad │···········██████████████████████████████████████████████       │
	// Dinner, 2 cooks
	// pasta │███████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░████████       │
	// salad │██████████████████████████████████████████████                  │
	//       └┬─────────────────┬──────────────────┬──────────────────┬───────┘
	//        0                 5 min              10 min             15 min
	//        █ running  · runnable  ░ waiting
	// Dinner, one cook: wall 17 min · busy 17 min · at most 1 running, 1 waiting, 1 runnable at once
	// Dinner, 2 cooks: wall 15 min · busy 17 min · at most 2 running, 1 waiting at once
}
