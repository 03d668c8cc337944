package nbrun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

const usage = `usage: gokernel run [flags] NOTEBOOK|DIR ...

Runs every code cell of the notebooks (a directory stands for the .ipynb
files below it), one kernel per notebook started in the notebook's
directory, and writes the outputs back as nbformat 4.5: in place, or
under -o DIR.

A notebook stops at its first failing cell and the run fails, naming the
notebook, the cell (counted from 1 over all cells) and the error. The
notebook is still written, with the outputs up to the failure. Cell tags:
  raises-exception   the cell may fail
  skip-execution     the cell is not run and keeps its outputs
  nondeterministic   --check compares only the shape of its outputs
                     (output types, stream names, MIME types)

--check runs the notebooks without writing them and compares the fresh
outputs with the stored ones, printing the differences. Before comparing,
timestamps become <time>, durations like 800ns, 12.3ms or 1m2.5s become
<duration>, +0x1d offsets become +0x<offset>, hex numbers of 6 or more
digits become 0x<addr>, "goroutine 17" becomes "goroutine <n>", and
terminal colours are dropped. Other numbers must match.

Exit status: 0 all ran (and matched), 1 a notebook failed or differs,
2 bad usage.

Flags:
`

// Command is the `gokernel run` command.
type Command struct {
	// Stdout receives failures, differences and the summary table;
	// Stderr receives progress and usage errors.
	Stdout, Stderr io.Writer
	// Start starts a kernel for each notebook. Nil starts `gokernel
	// kernel` processes (StartProcess) of the binary named by the
	// --gokernel flag, or else of the running executable.
	Start StartFunc
}

// Main runs `gokernel run` with args (the arguments after "run"), with
// kernels that are `gokernel kernel` processes of the running executable,
// and returns the exit status: 0 success, 1 a notebook failed or differs,
// 2 a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return Command{Stdout: stdout, Stderr: stderr}.Run(ctx, args)
}

// Run parses args (the arguments after "run"), runs the notebooks and
// returns the exit status: 0 success, 1 a notebook failed or differs, 2 a
// usage error.
func (c Command) Run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("gokernel run", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	out := fs.String("o", "", "write executed notebooks under `DIR` instead of in place")
	check := fs.Bool("check", false, "compare fresh outputs with the stored ones; write nothing")
	timeout := fs.Duration("timeout", 2*time.Minute, "interrupt a cell running longer than `D` and fail (0: no limit)")
	jobs := fs.Int("j", 1, "run `N` notebooks in parallel, each with its own kernel")
	binary := fs.String("gokernel", "", "gokernel `binary` that runs the kernels (default: this executable)")
	fs.Usage = func() {
		io.WriteString(c.Stderr, usage)
		fs.PrintDefaults()
	}
	paths, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // the flag package has printed the error and usage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(c.Stderr, "gokernel run: "+format+"\nRun 'gokernel run -h' for help.\n", a...)
		return 2
	}
	switch {
	case len(paths) == 0:
		return usageErr("no notebooks given: name .ipynb files or directories")
	case *jobs < 1:
		return usageErr("-j %d: need at least 1 notebook at a time", *jobs)
	case *timeout < 0:
		return usageErr("--timeout %v: must not be negative (0 means no limit)", *timeout)
	case *check && *out != "":
		return usageErr("--check writes no notebooks: drop -o")
	}

	start := c.Start
	if start == nil {
		bin := *binary
		if bin == "" {
			if bin, err = os.Executable(); err != nil {
				return usageErr("cannot find this executable to start kernels (%v): pass --gokernel PATH", err)
			}
		}
		start = StartProcess(bin)
	}
	opts := Options{
		Paths:    paths,
		OutDir:   *out,
		Check:    *check,
		Timeout:  *timeout,
		Jobs:     *jobs,
		Start:    start,
		Progress: c.Stderr,
		Live:     isTerminal(c.Stderr),
	}
	sum, err := Run(ctx, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	WriteReport(c.Stdout, sum)
	if sum.Failed() > 0 {
		return 1
	}
	return 0
}

// parseInterleaved parses flags that may come before, between or after
// the notebook arguments; "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return paths, nil
		}
		// The flag package stops at the first argument or after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(paths, rest...), nil
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// isTerminal reports whether w is a terminal that can redraw lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// WriteReport writes the failures, the differences found by a check, and
// a summary table of sum to w.
func WriteReport(w io.Writer, sum Summary) {
	for _, r := range sum.Results {
		if r.Err != nil {
			fmt.Fprintf(w, "FAIL %v\n", r.Err)
		}
		for _, d := range r.Diffs {
			writeDiff(w, r.Path, d)
		}
	}
	if sum.Failed() > 0 {
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "notebook\tcells\tresult\ttime")
	cells := 0
	for _, r := range sum.Results {
		result := "ok"
		switch {
		case r.Err != nil:
			result = "FAIL"
		case len(r.Diffs) > 0:
			result = fmt.Sprintf("%d differ", len(r.Diffs))
		}
		cells += r.Cells
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Path, r.Cells, result, seconds(r.Elapsed))
	}
	tw.Flush()
	failed, differ := 0, 0
	for _, r := range sum.Results {
		if r.Err != nil {
			failed++
		} else if len(r.Diffs) > 0 {
			differ++
		}
	}
	fmt.Fprintf(w, "%d notebooks, %d cells run, %d failed, %d differ, %s\n", len(sum.Results), cells, failed, differ, seconds(sum.Elapsed))
}

// writeDiff prints one differing cell: where it is, the first lines of
// its source, and a diff of the stored (-) and fresh (+) outputs.
func writeDiff(w io.Writer, path string, d CellDiff) {
	how := "outputs differ"
	if d.ShapeOnly {
		how = "output shape differs (cell is tagged nondeterministic)"
	}
	fmt.Fprintf(w, "DIFF %s: cell %d: %s\n", path, d.Cell, how)
	src := strings.Split(strings.TrimRight(d.Source, "\n"), "\n")
	for i, l := range src {
		if i == 3 {
			fmt.Fprintf(w, "    | ... (%d more lines)\n", len(src)-3)
			break
		}
		fmt.Fprintf(w, "    | %s\n", l)
	}
	fmt.Fprintln(w, "  --- stored\n  +++ fresh")
	lines := lineDiff(d.Expected, d.Got, 2)
	const maxLines = 40
	for i, l := range lines {
		if i == maxLines {
			fmt.Fprintf(w, "  ... %d more diff lines\n", len(lines)-maxLines)
			break
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
}
