// fetchReport pretends to build a report that takes 1 s.
func fetchReport(ctx context.Context) (string, error) {
	if err := sleepCtx(ctx, time.Second); err != nil {
		return "", err
	}
	return "report", nil
}
