// Package debugger is the kernel's side of Jupyter's debug protocol for Go
// cells, built on delve's Debug Adapter Protocol server (dlv dap).
//
// Jupyter's debug protocol is DAP wrapped in Jupyter messages: the
// frontend sends a DAP request as the content of a debug_request on the
// control channel, the kernel answers with the DAP response as a
// debug_reply, and sends DAP events as debug_event messages on IOPub.
// Jupyter adds requests of its own: debugInfo (the state a reconnecting
// frontend restores: whether debugging is started, the breakpoints, the
// stopped threads, and how cell files are named), dumpCell (write a cell's
// code to its file), source, inspectVariables and richInspectVariables.
// Handle answers one debug_request; Config.Events receives the events.
//
// # Cell files
//
// JupyterLab sets a breakpoint on a file it names itself: tmpFilePrefix,
// the Murmur2 hash (hashSeed) of the cell's code, tmpFileSuffix, all taken
// from debugInfo; dumpCell writes the code there. CellPath gives the same
// name, so a cell's file depends only on its code and stays stable while
// other cells change. A debug build of a cell program names these paths in
// its //line directives instead of the usual cellHASH names, so the
// compiler writes them into the DWARF line tables: delve then reports the
// cell's own lines and sets the frontend's breakpoints on them. Every cell
// whose code appears in the program (declarations of earlier cells too)
// must be named by its CellPath, and the path must not be rewritten by
// -trimpath, which holds because Config.Dir lies outside the module.
//
// # Runs
//
// A Go kernel has no long-lived process to attach to: each cell is a new
// program. So attach (or launch) from the frontend only marks the session
// started and answers at once, setBreakpoints is kept here, and Run starts
// one dlv dap per cell program: dlv dials back to a listener of the
// kernel's (--client-addr), launches the program (mode exec, outputMode
// remote, so its output comes back as output events and goes to
// Program.Stdout and Stderr), receives the kept breakpoints and
// configurationDone, and runs it. While it runs, requests about threads
// (goroutines), stacks, scopes, variables and stepping are forwarded to
// delve with their seq numbers translated; stopped and continued events
// go to the frontend, the run's own lifecycle events (initialized,
// process, exited, terminated) stay in the kernel.
//
// Nothing outlives a run: when the program ends or Run's context is
// cancelled (interrupt, restart, shutdown, also while stopped at a
// breakpoint), the kernel asks delve to terminate the program, then kills
// the program (by the process id delve announced; delve puts it in a
// process group of its own), every other process below dlv, and dlv's
// process group, and waits for dlv. dlv also dies with the kernel.
package debugger
