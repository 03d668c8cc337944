// politeWait waits for d while leaving the CPU free for others.
func politeWait(d time.Duration) {
	time.Sleep(d) // parks the goroutine: no CPU is used until the timer fires
}
