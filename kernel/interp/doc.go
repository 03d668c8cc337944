// Package interp is gokernel's second engine: it runs cell programs with
// the yaegi interpreter (github.com/traefik/yaegi) instead of building them
// with the Go toolchain, which makes a cell finish in milliseconds.
//
// yaegi v0.16.1 gets some of Go wrong, so the package has two halves.
//
// The router (Route) looks at a type-checked program and sends it to yaegi
// only when nothing in it falls into a class of construct yaegi is known to
// get wrong. The classes are listed in one table (Classes), each with its
// detector and the reason; anything the router does not understand goes
// to the compiler. Never wrong comes first, speed second.
//
// The engine (Engine) runs a routed program in a worker process, one per
// cell like a compiled program, so values do not persist and main
// returning ends the goroutines. The worker (./worker, embedded here and
// written into the cell workspace) is built once with CGO_ENABLED=0, so the
// Go runtime reports deadlocks, and holds the symbol tables of the standard
// library and of the helper packages. Before it runs, a program's go
// statements are rewritten (Rewrite) so that a panic in an interpreted
// goroutine ends the worker as it ends a compiled program: status 2 and a
// "panic: ..." report on standard error. os.Exit and log.Fatal end the
// worker with the program's status.
package interp
