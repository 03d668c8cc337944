package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"asyncgo/kernel/interp"
	"asyncgo/kernel/kernelspec"
	"asyncgo/kernel/lab"
	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/runner"
)

func runNotebooks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return nbrun.Main(ctx, args, stdout, stderr)
}

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return lab.Command{Options: lab.Options{
		Install: func() error { return ensureInstalled(ctx, stdout) },
		Stdout:  stdout,
		Stderr:  stderr,
	}}.Run(ctx, args)
}

// ensureInstalled installs the user's gokernel kernelspec when it is
// missing or points at a binary that no longer exists.
func ensureInstalled(ctx context.Context, stdout io.Writer) error {
	opts := kernelspec.Options{}
	dir, err := kernelspec.Dir(ctx, opts)
	if err != nil {
		return err
	}
	if spec, err := kernelspec.Read(dir); err == nil && len(spec.Argv) > 0 {
		if _, err := os.Stat(spec.Argv[0]); err == nil {
			return nil
		}
	}
	dir, err = kernelspec.Install(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Installed the kernelspec %q in %s; preparing the cell workspace...\n", kernelspec.DefaultName, dir)
	if err := runner.Warm(ctx, runner.Options{}); err != nil {
		return err
	}
	if _, err := runner.NewSupervisors(runner.SupervisorOptions{}).Build(ctx); err != nil {
		return err
	}
	return interp.Warm(ctx, runner.Options{})
}
