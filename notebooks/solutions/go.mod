// The reference solutions of the course's exercises: solutions/<notebook
// file name without .ipynb>/<exercise name>.go is the full source of the
// exercise's starting cell, solved. Cells are not Go files, so this
// directory is a module of its own, which `go build ./...`, `go vet ./...`
// and `go test ./...` of the repository leave alone. The notebooks' tests
// (notebooks/exercises_test.go) run every check against these files.
module asyncgo/notebooks/solutions

go 1.26
