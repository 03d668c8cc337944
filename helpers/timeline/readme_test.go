package timeline_test

import (
	"os"
	"testing"
	"time"

	"asyncgo/helpers/timeline"
)

// readmePicture is the timeline at the top of the repository's README.md:
// dinner cooked by one cook and by two, on one time scale.
func readmePicture() *timeline.Stacked {
	story := func(cooks int) *timeline.Timeline {
		title := "one cook"
		if cooks == 2 {
			title = "two cooks"
		}
		sim := timeline.NewSim(title, timeline.SimOptions{Workers: cooks})
		sim.Go("pasta", func(t *timeline.Task) {
			t.Work("chop", 4*time.Minute)
			t.Wait("boil", 10*time.Minute)
			t.Work("drain", 2*time.Minute)
		})
		sim.Go("sauce", func(t *timeline.Task) {
			t.Work("dice", 6*time.Minute)
			t.Wait("simmer", 8*time.Minute)
		})
		sim.Go("salad", func(t *timeline.Task) {
			t.Work("wash", 3*time.Minute)
			t.Work("dress", 2*time.Minute)
		})
		return sim.Run()
	}
	return timeline.Stack(story(1), story(2))
}

// TestREADMEPicture keeps notebooks/images/kitchen.svg, shown by the
// README, equal to what this package draws; -update rewrites it.
func TestREADMEPicture(t *testing.T) {
	const file = "../../notebooks/images/kitchen.svg"
	got := readmePicture().SVG()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./helpers/timeline -run README -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is stale: run go test ./helpers/timeline -run README -update", file)
	}
}
