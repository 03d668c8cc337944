// listen handles readings from sensor until d has passed or sensor is closed,
// and returns how many readings it handled.
func listen(sensor <-chan float64, d time.Duration) int {
	handled := 0
	deadline := time.After(d) // one timer for the whole listen, made once
	for {
		select {
		case _, ok := <-sensor:
			if !ok {
				return handled // the sender closed the channel
			}
			handled++
		case <-deadline:
			return handled
		}
	}
}
