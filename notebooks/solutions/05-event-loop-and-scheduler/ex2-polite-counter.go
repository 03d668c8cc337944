// myCounter counts beans for 4 minutes in all, as a task of our loop.
func myCounter() *Task {
	left := 4 // minutes of counting still to do
	return &Task{Name: "count beans", Next: func(l *Loop) Step {
		l.Work("count", time.Minute)
		left--
		if left == 0 {
			return Step{Ask: Done}
		}
		return Step{Ask: Yield}
	}}
}
