// One table at a time: each table takes 1 + kitchen + 1 minutes and starts
// when the one before it has been served: 17, then 24, 27 and 27+12 = 39.
// All orders first: orders are taken at minutes 0-1, 1-2, 2-3 and 3-4; the
// dishes come out at 16 (pizza), 7 (salad), 4 (coffee) and 14 (soup), and
// the last to be served is the pizza, from minute 16 to 17.
const (
	table4OneAtATime   = 39 * time.Minute
	eveningOrdersFirst = 17 * time.Minute
)
