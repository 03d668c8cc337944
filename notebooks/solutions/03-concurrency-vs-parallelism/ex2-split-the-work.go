// total returns sumSquares(0, n), computed by parts goroutines.
func total(n, parts int) uint64 {
	sums := make(chan uint64, parts) // room for every result: no sender waits
	for p := range parts {
		from, to := p*n/parts, (p+1)*n/parts // the stretches cover 0..n-1 exactly once
		go func() { sums <- sumSquares(from, to) }()
	}
	var sum uint64
	for range parts {
		sum += <-sums
	}
	return sum
}
