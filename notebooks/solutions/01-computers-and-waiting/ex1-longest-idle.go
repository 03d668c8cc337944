// After the vegetables are chopped, the roast is in the oven for 25 minutes
// and then the guest takes 5 minutes to answer: two waits in a row, with no
// work between them, so the cook stands by for 30 minutes without a break.
const longestIdle = 30 * time.Minute
