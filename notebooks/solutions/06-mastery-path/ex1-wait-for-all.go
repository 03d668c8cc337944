// squares computes n*n for every n in nums, each in its own goroutine.
func squares(nums []int) []int {
	out := make([]int, len(nums))
	var wg sync.WaitGroup
	for i, n := range nums {
		wg.Go(func() {
			time.Sleep(10 * time.Millisecond)
			out[i] = n * n
		})
	}
	wg.Wait()
	return out
}
