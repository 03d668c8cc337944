// finishOrder is your prediction: "A", "B" and "C" in the order the jobs finish.
var finishOrder = []string{"B", "A", "C"}
