// The reference solutions of the course exercises are cell sources, not Go files.
// This go.mod keeps them out of the asyncgo module, so go build and go vet leave them alone.
module asyncgo/notebooks/solutions
