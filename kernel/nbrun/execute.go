package nbrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"asyncgo/kernel/notebook"
)

// runNotebook executes one notebook and, unless checking, writes it.
func runNotebook(ctx context.Context, opts Options, j job, prog progress) Result {
	start := time.Now()
	res := Result{Path: j.path}
	defer func() { res.Elapsed = time.Since(start) }()

	nb, err := notebook.ReadFile(j.path)
	if err != nil {
		res.Err = err
		return finish(res, start)
	}
	var stored *notebook.Notebook
	if opts.Check {
		// A second copy keeps the stored outputs to compare against.
		if stored, err = notebook.ReadFile(j.path); err != nil {
			res.Err = err
			return finish(res, start)
		}
	}
	var toRun []int
	for i, c := range nb.Cells {
		if Runs(c) {
			toRun = append(toRun, i)
		}
	}
	prog.start(j.path, len(toRun))

	var ran []int
	if len(toRun) > 0 {
		ran, res.Err = executeCells(ctx, opts, j.path, nb, toRun, prog)
	}
	res.Cells = len(ran)

	if opts.Check {
		if res.Err == nil {
			res.Diffs = compareCells(stored, nb, ran)
		}
		return finish(res, start)
	}
	nb.EnsureIDs()
	if err := os.MkdirAll(filepath.Dir(j.out), 0o755); err != nil {
		res.Err = errors.Join(res.Err, fmt.Errorf("writing %s: %w", j.out, err))
		return finish(res, start)
	}
	if err := notebook.WriteFile(j.out, nb); err != nil {
		res.Err = errors.Join(res.Err, fmt.Errorf("writing the notebook: %w", err))
		return finish(res, start)
	}
	res.Output = j.out
	return finish(res, start)
}

func finish(res Result, start time.Time) Result {
	res.Elapsed = time.Since(start)
	return res
}

// executeCells runs the cells at the indexes in toRun in one kernel, and
// returns the indexes of the cells that ran and the first failure.
func executeCells(ctx context.Context, opts Options, path string, nb *notebook.Notebook, toRun []int, prog progress) ([]int, error) {
	k, err := opts.Start(ctx, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: starting a kernel: %w", path, err)
	}
	rec := notebook.NewRecorder(nb)
	var ran []int
	var failure error
	for n, i := range toRun {
		prog.cell(path, n+1)
		cell := nb.Cells[i]
		rec.Start(i)
		ex, timedOut, err := runCell(ctx, k, cell.Source, opts.Timeout, opts.Grace)
		ran = append(ran, i)
		if ex != nil {
			for _, m := range ex.Messages {
				if err := rec.Add(m); err != nil {
					failure = &CellError{Notebook: path, Cell: i + 1, EName: "KernelError", EValue: err.Error()}
					break
				}
			}
			if cell.ExecutionCount == nil && ex.ExecutionCount > 0 {
				count := ex.ExecutionCount
				cell.ExecutionCount = &count
			}
		}
		switch {
		case failure != nil:
		case timedOut:
			how := "interrupted"
			if err != nil {
				how = "did not stop when interrupted"
			}
			failure = &CellError{Notebook: path, Cell: i + 1, EName: "Timeout",
				EValue: fmt.Sprintf("cell ran longer than %v and %s; raise --timeout if it needs more time", opts.Timeout, how)}
		case ctx.Err() != nil:
			failure = &CellError{Notebook: path, Cell: i + 1, EName: "Cancelled", EValue: "the run was cancelled while the cell ran"}
		case err != nil:
			failure = &CellError{Notebook: path, Cell: i + 1, EName: "KernelError", EValue: err.Error()}
		case ex.Status == "error" && !cell.HasTag(TagRaisesException):
			failure = &CellError{Notebook: path, Cell: i + 1, EName: ex.EName, EValue: ex.EValue}
		case ex.Status == "aborted":
			failure = &CellError{Notebook: path, Cell: i + 1, EName: "Aborted", EValue: "the kernel aborted the execution"}
		case ex.Status != "ok" && ex.Status != "error":
			failure = &CellError{Notebook: path, Cell: i + 1, EName: "KernelError", EValue: fmt.Sprintf("unknown reply status %q", ex.Status)}
		}
		if failure != nil {
			break
		}
	}
	if err := k.Close(); err != nil && failure == nil {
		failure = fmt.Errorf("%s: shutting the kernel down: %w", path, err)
	}
	return ran, failure
}

// runCell executes code, interrupting it when it runs past timeout (zero:
// no limit) or when ctx ends. After an interrupt it waits up to grace for
// the kernel to finish the execution. It reports whether the timeout
// fired; the error is set when no reply came.
func runCell(ctx context.Context, k Kernel, code string, timeout, grace time.Duration) (*Execution, bool, error) {
	execCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type reply struct {
		ex  *Execution
		err error
	}
	done := make(chan reply, 1)
	go func() {
		ex, err := k.Execute(execCtx, code)
		done <- reply{ex, err}
	}()

	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	timedOut := false
	select {
	case r := <-done:
		return r.ex, false, r.err
	case <-timer:
		timedOut = true
	case <-ctx.Done():
	}

	// Interrupt with a context of its own: ctx may be over already.
	ictx, icancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer icancel()
	ierr := k.Interrupt(ictx)
	select {
	case r := <-done:
		if r.err == nil && !timedOut {
			r.err = ctx.Err()
		}
		return r.ex, timedOut, r.err
	case <-ictx.Done():
	}
	cancel()
	r := <-done
	err := fmt.Errorf("the kernel did not stop within %v of an interrupt", grace)
	if ierr != nil {
		err = fmt.Errorf("interrupting the kernel: %w", ierr)
	}
	if !timedOut && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return r.ex, timedOut, err
}
