// newRail returns the rail on which the waiter pins order tickets for the cook.
func newRail() chan string {
	return make(chan string, 5) // room for all five tickets: no send has to wait
}
