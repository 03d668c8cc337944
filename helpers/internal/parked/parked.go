// Package parked lets tests wait until goroutines have parked for a given
// reason, so that what a test observes (a trace, a profile) does not depend
// on how the operating system happens to schedule it.
package parked

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Count reports how many goroutines are parked with reason, the wait reason
// as goroutine dumps print it between brackets, such as "sync.Mutex.Lock"
// or "chan receive". It counts every goroutine of the program, so a
// reason that other goroutines share (the testing package's wait on
// channels, say) counts theirs too.
func Count(reason string) int {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for line := range strings.Lines(string(buf)) {
		// A goroutine's header: "goroutine 7 [sync.Mutex.Lock, 2 minutes]:".
		rest, ok := strings.CutPrefix(line, "goroutine ")
		if !ok {
			continue
		}
		_, state, ok := strings.Cut(rest, " [")
		state, _, found := strings.Cut(state, "]:")
		if !ok || !found {
			continue
		}
		state, _, _ = strings.Cut(state, ", ")
		if state == reason {
			count++
		}
	}
	return count
}

// Await returns nil once at least n goroutines are parked with reason (see
// Count), checking every 100 µs, or an error saying how many were if that
// has not happened within timeout.
func Await(n int, reason string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got := Count(reason)
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("parked: %d goroutines parked in %q after %v, want %d", got, reason, timeout, n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}
