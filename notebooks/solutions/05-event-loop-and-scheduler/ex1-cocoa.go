// guess is your prediction: the minute at which the cocoa is served.
const guess = 8 * time.Minute
