package interp

//go:generate go run ./internal/symgen
//go:generate go run ./internal/symgen -list
