// Command gokernel is a Jupyter kernel for Go, and the tool that installs
// it and runs notebooks with it.
//
// Usage:
//
//	gokernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--no-warm]
//	gokernel uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
//	gokernel kernel --connection-file FILE
//	gokernel run [flags] NOTEBOOK|DIR ...
//	gokernel lab [DIR] [-- JUPYTER-ARGS]
//	gokernel version
//
// install writes the kernelspec that Jupyter uses to start the kernel and
// prepares the module cells are built in, so the first cell is fast. kernel
// is what Jupyter runs. run executes notebooks headlessly, without Python.
// lab starts JupyterLab (or the classic Notebook) on the course.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"asyncgo/kernel/runner"
)

// version is gokernel's version.
const version = "0.1.0"

func main() {
	if len(os.Args) > 1 && os.Args[1] == runner.SuperviseArg {
		// A hidden mode: the kernel runs each cell under gokernel itself.
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand of gokernel.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"install", "[--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name NAME] [--no-warm]", "install the Jupyter kernelspec and prepare the cell workspace", runInstall},
		{"uninstall", "[--user | --sys-prefix | --prefix DIR] [--name NAME]", "remove the Jupyter kernelspec", runUninstall},
		{"kernel", "--connection-file FILE", "run the kernel (Jupyter starts it with this)", runKernel},
		{"run", "[flags] NOTEBOOK|DIR ...", "execute notebooks headlessly and write their outputs (-h for flags)", runNotebooks},
		{"lab", "[--classic] [DIR] [-- JUPYTER-ARGS]", "start JupyterLab (or the classic Notebook) on the course", runLab},
		{"version", "", "print gokernel's version and the Go toolchain it builds cells with", runVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "gokernel: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gokernel is a Jupyter kernel for Go.\n\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  gokernel %s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gokernel COMMAND -h' for a command's flags.")
}

// parseFlags parses a subcommand's flags, printing its usage on -h.
// It returns a non-negative exit code when the command should stop.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, usageLine string) int {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: gokernel %s %s\n\nFlags:\n", fs.Name(), usageLine)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return -1
}
