// Package nbrun executes Jupyter notebooks headlessly through a kernel and
// checks that their stored outputs are still what the code produces. It
// implements `gokernel run`.
//
// Every code cell runs in order in one kernel per notebook, started in the
// notebook's directory; the outputs replace the stored ones and the
// notebook is written back as nbformat 4.5 (in place, or under an output
// directory). As with Jupyter's nbclient:
//
//   - a notebook stops at the first cell that fails, and the run fails
//     naming the notebook, the cell (numbered from 1 over all cells, as the
//     notebook shows them) and the error as "ename: evalue";
//   - cells tagged "raises-exception" may fail; cells tagged
//     "skip-execution", and cells whose source is blank, are not run and
//     keep their stored outputs;
//   - a cell running longer than the timeout is interrupted; the run fails
//     once the kernel stops, or after a grace period if it does not.
//
// A notebook that fails is still written, with the outputs of the cells
// that ran, so that the failure can be seen in it.
//
// With Check set, notebooks are executed but never written. The fresh
// outputs of each executed cell are compared with the stored ones and every
// difference is reported. Before comparing, text goes through Normalize,
// which replaces what is clearly different from run to run: durations,
// hexadecimal addresses, goroutine numbers, and timestamps. Terminal colour
// codes are ignored, and binary data is compared by digest. Cells tagged
// "nondeterministic" are compared by shape only: the same sequence of
// output types and MIME types, where a run of stream outputs counts as
// one step whatever its stream names (stdout and stderr interleave
// differently from run to run).
package nbrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"asyncgo/kernel/notebook"
)

// Cell tags that change how a cell is run or checked.
const (
	// TagRaisesException marks a cell that is expected to fail.
	TagRaisesException = "raises-exception"
	// TagSkipExecution marks a cell that is never run.
	TagSkipExecution = "skip-execution"
	// TagNondeterministic marks a cell whose outputs vary from run to run;
	// Check compares only their shape.
	TagNondeterministic = "nondeterministic"
)

// Runs reports whether a run executes the cell: a code cell with some
// code in it and no TagSkipExecution tag.
func Runs(c *notebook.Cell) bool {
	return c.Type == notebook.CodeCell && !c.HasTag(TagSkipExecution) && strings.TrimSpace(c.Source) != ""
}

// Kernel runs the code of one notebook's cells.
type Kernel interface {
	// Execute runs code and returns once the kernel has replied and sent
	// all the outputs of the execution. It returns an error when the
	// kernel cannot run code any more, or when ctx ends first.
	Execute(ctx context.Context, code string) (*Execution, error)
	// Interrupt asks the kernel to stop the running execution; Execute
	// then returns with the outputs up to the interruption.
	Interrupt(ctx context.Context) error
	// Close shuts the kernel down and releases its resources.
	Close() error
}

// Execution is what a kernel sent back for one execute request.
type Execution struct {
	// Status is the reply's status: "ok", "error" or "aborted".
	Status string
	// ExecutionCount is the reply's execution count.
	ExecutionCount int
	// EName and EValue name the error when Status is "error".
	EName, EValue string
	// Messages are the execution's IOPub messages, in the order sent.
	Messages []notebook.Message
}

// StartFunc starts a kernel whose working directory is dir.
type StartFunc func(ctx context.Context, dir string) (Kernel, error)

// Options configure Run.
type Options struct {
	// Paths are notebook files and directories; a directory stands for
	// every .ipynb file below it, except in hidden directories and
	// .ipynb_checkpoints.
	Paths []string
	// OutDir, when set, receives the executed notebooks instead of
	// writing them in place: a file argument is written under its base
	// name, a notebook found in a directory argument under its path
	// relative to that directory.
	OutDir string
	// Check compares fresh outputs with stored ones and writes nothing.
	Check bool
	// Timeout limits each cell's run; zero means no limit.
	Timeout time.Duration
	// Grace is how long an interrupted cell may take to stop before the
	// kernel is given up; zero means 10 seconds.
	Grace time.Duration
	// Jobs is how many notebooks run at the same time, each with its
	// own kernel; zero means 1.
	Jobs int
	// Start starts a kernel for each notebook.
	Start StartFunc
	// Progress receives progress lines; nil means none.
	Progress io.Writer
	// Live redraws one progress line per running notebook in place,
	// for a terminal; otherwise a line is written when a notebook ends.
	Live bool
}

// Result is the outcome of one notebook.
type Result struct {
	// Path is the notebook's file; Output is where it was written, empty
	// when it was not written.
	Path, Output string
	// Cells counts the cells that were executed.
	Cells int
	// Err is why the notebook failed: a *CellError, or an error reading,
	// starting a kernel or writing. Nil when it ran to the end.
	Err error
	// Diffs are the cells whose outputs differ, with Check.
	Diffs []CellDiff
	// Elapsed is how long the notebook took.
	Elapsed time.Duration
}

// OK reports whether the notebook ran without failure or difference.
func (r Result) OK() bool { return r.Err == nil && len(r.Diffs) == 0 }

// Summary is the outcome of a Run.
type Summary struct {
	// Results are one per notebook, in the order of the arguments.
	Results []Result
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration
}

// Failed counts the notebooks that failed or differ.
func (s Summary) Failed() int {
	n := 0
	for _, r := range s.Results {
		if !r.OK() {
			n++
		}
	}
	return n
}

// CellError reports a cell that failed.
type CellError struct {
	// Notebook is the notebook's path; Cell is the cell's number, from 1
	// over all cells.
	Notebook string
	Cell     int
	// EName and EValue are the kernel's error; for a timeout EName is
	// "Timeout", for a lost kernel "KernelError".
	EName, EValue string
}

func (e *CellError) Error() string {
	return fmt.Sprintf("%s: cell %d: %s: %s", e.Notebook, e.Cell, e.EName, e.EValue)
}

// Run executes the notebooks named by opts.Paths. The returned error
// reports a problem with the options or paths, before anything ran;
// failures of notebooks are in the Summary.
func Run(ctx context.Context, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Start == nil {
		return Summary{}, errors.New("nbrun: Options.Start is nil: no way to start kernels")
	}
	if opts.Jobs < 0 || opts.Timeout < 0 || opts.Grace < 0 {
		return Summary{}, errors.New("nbrun: Jobs, Timeout and Grace must not be negative")
	}
	if opts.Check && opts.OutDir != "" {
		return Summary{}, errors.New("check mode writes no notebooks: drop the output directory")
	}
	jobs, err := findNotebooks(opts.Paths, opts.OutDir)
	if err != nil {
		return Summary{}, err
	}
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return Summary{}, fmt.Errorf("creating the output directory: %w", err)
		}
	}
	if opts.Jobs == 0 {
		opts.Jobs = 1
	}
	if opts.Grace == 0 {
		opts.Grace = 10 * time.Second
	}
	prog := newProgress(opts.Progress, opts.Live)
	defer prog.close()

	results := make([]Result, len(jobs))
	sem := make(chan struct{}, opts.Jobs)
	var wg sync.WaitGroup
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = runNotebook(ctx, opts, j, prog)
			prog.done(results[i])
		}()
	}
	wg.Wait()
	return Summary{Results: results, Elapsed: time.Since(start)}, nil
}

// job is one notebook to run and where to write it.
type job struct{ path, out string }

func findNotebooks(paths []string, outDir string) ([]job, error) {
	if len(paths) == 0 {
		return nil, errors.New("no notebooks given: name .ipynb files or directories")
	}
	var jobs []job
	outs := map[string]string{}
	add := func(path, rel string) error {
		j := job{path: path, out: path}
		if outDir != "" {
			j.out = filepath.Join(outDir, rel)
			if prev, ok := outs[j.out]; ok {
				return fmt.Errorf("%s and %s would both be written to %s: run them with different output directories", prev, path, j.out)
			}
			outs[j.out] = path
		}
		jobs = append(jobs, j)
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot read notebook: %w", err)
		}
		if !fi.IsDir() {
			if err := add(p, filepath.Base(p)); err != nil {
				return nil, err
			}
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != p && (strings.HasPrefix(name, ".") || name == ".ipynb_checkpoints") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".ipynb") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing notebooks: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .ipynb notebooks in this directory", p)
		}
		slices.Sort(found)
		for _, f := range found {
			rel, err := filepath.Rel(p, f)
			if err != nil {
				return nil, err
			}
			if err := add(f, rel); err != nil {
				return nil, err
			}
		}
	}
	return jobs, nil
}
