var guesses = map[string]string{
	"sleep 200 ms":                      "resting", // parked until the timer fires
	"fetch from a slow server (200 ms)": "resting", // parked until the answer arrives
	"count to 300 million":              "working", // nothing but CPU work
	"spin until 200 ms have passed":     "working", // checks the clock again and again
}
