var depositMu sync.Mutex

// deposit adds 1 to *balance.
func deposit(balance *int) {
	depositMu.Lock()
	defer depositMu.Unlock()
	v := *balance
	runtime.Gosched() // let another goroutine run here, as the scheduler may at any moment
	*balance = v + 1
}
