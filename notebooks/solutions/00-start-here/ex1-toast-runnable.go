// The toast is ready at minute 0, but the one cook is filling the kettle
// until minute 1: the toast is runnable for that minute.
const toastWaitedForCook = 1 * time.Minute
