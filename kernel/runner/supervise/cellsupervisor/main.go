// Command cellsupervisor is the small cell supervisor: the kernel builds
// it once per toolchain (see runner.Supervisors) and runs each cell
// program under it, as
//
//	cellsupervisor __gokernel_supervise_cell PROGRAM ARGS...
//
// It is package supervise and a main, nothing else, so it starts fast.
package main

import (
	"os"

	"asyncgo/kernel/runner/supervise"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != supervise.Arg {
		os.Stderr.WriteString("cellsupervisor: the cell supervisor is started by the kernel, not by hand\n")
		os.Exit(2)
	}
	os.Exit(supervise.Main(os.Args[2:]))
}
