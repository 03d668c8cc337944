// Tickets guards how many tickets are left: every access holds the lock.
type Tickets struct {
	mu   sync.Mutex
	left int
}

func (t *Tickets) Left() int  { t.mu.Lock(); defer t.mu.Unlock(); return t.left }
func (t *Tickets) Take(n int) { t.mu.Lock(); defer t.mu.Unlock(); t.left -= n }

// sell sells n tickets if at least n are left, and reports whether it did.
func sell(t *Tickets, n int) bool {
	t.mu.Lock() // held from the check to the take: no other sale comes between
	defer t.mu.Unlock()
	if t.left < n {
		return false
	}
	runtime.Gosched() // another goroutine may run here, but no other sale can get the lock
	t.left -= n
	return true
}
