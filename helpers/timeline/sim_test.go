package timeline_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"asyncgo/helpers/timeline"
)

func TestSimDeterministic(t *testing.T) {
	var first string
	for i := range 20 {
		sim := kitchen()
		st := timeline.Stack(sim.Run(), sim.Workers())
		got := st.SVG() + st.Text()
		if i == 0 {
			first = got
			continue
		}
		if got != first {
			t.Fatalf("run %d drew a different picture than run 0", i)
		}
	}
}

// span is the part of a Span these tests compare.
type span struct {
	lane  string
	kind  timeline.Kind
	label string
	start time.Duration
	end   time.Duration
}

func spansOf(tl *timeline.Timeline) []span {
	var out []span
	for _, s := range tl.Spans() {
		out = append(out, span{s.Lane, s.Kind, s.Label, s.Start, s.End})
	}
	return out
}

func TestSimWorkers(t *testing.T) {
	m := time.Minute
	R, Q := timeline.Running, timeline.Runnable
	for _, tc := range []struct {
		workers int
		want    []span
		workerW []span
	}{
		{0, []span{{"a", R, "a1", 0, m}, {"b", R, "b1", 0, m}, {"c", R, "c1", 0, m}, {"a", R, "a2", m, 2 * m}}, nil},
		{1, []span{
			{"a", R, "a1", 0, m}, {"b", Q, "b1", 0, m}, {"c", Q, "c1", 0, 2 * m},
			{"a", Q, "a2", m, 3 * m}, {"b", R, "b1", m, 2 * m},
			{"c", R, "c1", 2 * m, 3 * m},
			{"a", R, "a2", 3 * m, 4 * m},
		}, []span{{"worker 1", R, "a", 0, m}, {"worker 1", R, "b", m, 2 * m}, {"worker 1", R, "c", 2 * m, 3 * m}, {"worker 1", R, "a", 3 * m, 4 * m}}},
		{2, []span{
			{"a", R, "a1", 0, m}, {"b", R, "b1", 0, m}, {"c", Q, "c1", 0, m},
			{"a", R, "a2", m, 2 * m}, {"c", R, "c1", m, 2 * m},
		}, []span{{"worker 1", R, "a", 0, m}, {"worker 2", R, "b", 0, m}, {"worker 1", R, "c", m, 2 * m}, {"worker 2", R, "a", m, 2 * m}}},
	} {
		t.Run(fmt.Sprint(tc.workers), func(t *testing.T) {
			sim := timeline.NewSim("", timeline.SimOptions{Workers: tc.workers})
			sim.Go("a", func(t *timeline.Task) { t.Work("a1", m); t.Work("a2", m) })
			sim.Go("b", func(t *timeline.Task) { t.Work("b1", m) })
			sim.Go("c", func(t *timeline.Task) { t.Work("c1", m) })
			if got := spansOf(sim.Run()); !slices.Equal(got, tc.want) {
				t.Errorf("task spans:\n got %v\nwant %v", got, tc.want)
			}
			if tc.workers == 0 {
				if sim.Workers() != nil {
					t.Error("Workers() is not nil without a worker limit")
				}
				return
			}
			if got := spansOf(sim.Workers()); !slices.Equal(got, tc.workerW) {
				t.Errorf("worker spans:\n got %v\nwant %v", got, tc.workerW)
			}
		})
	}
}

func TestSimEventsAndJoin(t *testing.T) {
	m := time.Minute
	sim := timeline.NewSim("", timeline.SimOptions{})
	ready := sim.Event("ready")
	var nows []time.Duration
	sim.Go("waiter", func(t *timeline.Task) {
		t.Await("for ready", ready)
		nows = append(nows, t.Now())
		t.Await("again", ready) // already fired: returns at once
		nows = append(nows, t.Now())
	})
	sim.Go("firer", func(t *timeline.Task) {
		child := t.Go("child", func(t *timeline.Task) { t.Wait("nap", 5*m) })
		t.Wait("prepare", 2*m)
		t.Fire(ready)
		t.Fire(ready) // firing again does nothing
		t.Join("for child", child)
		nows = append(nows, t.Now())
		t.Work("zero", 0)
		t.Wait("zero", -m)
	})
	tl := sim.Run()
	want := []span{
		{"waiter", timeline.Blocked, "for ready", 0, 2 * m},
		{"firer", timeline.Waiting, "prepare", 0, 2 * m},
		{"child", timeline.Waiting, "nap", 0, 5 * m},
		{"firer", timeline.Blocked, "for child", 2 * m, 5 * m},
	}
	if got := spansOf(tl); !slices.Equal(got, want) {
		t.Errorf("spans:\n got %v\nwant %v", got, want)
	}
	if want := []time.Duration{2 * m, 2 * m, 5 * m}; !slices.Equal(nows, want) {
		t.Errorf("Now() gave %v; want %v", nows, want)
	}
	if marks := tl.Marks(); len(marks) != 1 || marks[0] != (timeline.Mark{Lane: "firer", Label: "ready", At: 2 * m}) {
		t.Errorf("Marks() = %+v; want one mark of the fired event", marks)
	}
	if got := tl.Lanes(); !slices.Equal(got, []string{"waiter", "firer", "child"}) {
		t.Errorf("Lanes() = %v; want tasks in creation order", got)
	}
	if len(sim.Stuck()) != 0 {
		t.Errorf("Stuck() = %v; want none", sim.Stuck())
	}
}

func TestSimStuck(t *testing.T) {
	sim := timeline.NewSim("", timeline.SimOptions{Workers: 1})
	never := sim.Event("never")
	sim.Go("a", func(t *timeline.Task) {
		defer t.Work("cleanup", time.Minute) // must not hang while Run stops the task
		t.Await("forever", never)
	})
	sim.Go("b", func(t *timeline.Task) { t.Work("work", 3*time.Minute) })
	tl := sim.Run()
	if got := sim.Stuck(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Stuck() = %v; want [a]", got)
	}
	want := span{"a", timeline.Blocked, "forever", 0, 3 * time.Minute}
	if !slices.Contains(spansOf(tl), want) {
		t.Errorf("spans %v lack %v", spansOf(tl), want)
	}
	if m := tl.Marks(); len(m) != 1 || m[0].Label != "stuck" || m[0].At != 3*time.Minute {
		t.Errorf("Marks() = %+v; want a stuck mark at 3 min", m)
	}
	if sim.Run() != tl {
		t.Error("a second Run returned another timeline")
	}
}

func TestSimPanic(t *testing.T) {
	sim := timeline.NewSim("", timeline.SimOptions{Workers: 1})
	sim.Go("calm", func(t *timeline.Task) { t.Wait("long", time.Hour) })
	sim.Go("faulty", func(t *timeline.Task) {
		t.Work("first", time.Minute)
		panic("burnt")
	})
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, `"faulty"`) || !strings.Contains(msg, "burnt") {
			t.Errorf("Run panicked with %q; want the task's name and value", msg)
		}
	}()
	sim.Run()
	t.Error("Run returned after a task panicked")
}
