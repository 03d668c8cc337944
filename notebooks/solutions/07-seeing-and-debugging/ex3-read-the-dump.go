const waitingForLock = 3         // three goroutines headed [sync.Mutex.Lock]
const lockedIn = "main.saveReport" // the first main. function under the sync frames
