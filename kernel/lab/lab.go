// Package lab starts Jupyter on the course's notebooks with the gokernel
// kernel available. It implements `gokernel lab`.
//
// Run makes sure the kernel spec is installed, finds the notebooks
// directory, and starts JupyterLab there (jupyter-lab), or the classic
// Jupyter Notebook (jupyter-notebook) when JupyterLab is not installed.
// When neither is installed it says how to install one, or how to use
// the course's Docker image or Binder instead.
package lab

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Options configure Run. Only Stdout and Stderr are needed; the other
// fields default to the real environment.
type Options struct {
	// Dir is the directory to open. Empty means the course's notebooks
	// directory, found by FindNotebooks.
	Dir string
	// Classic prefers the classic Jupyter Notebook over JupyterLab.
	Classic bool
	// JupyterArgs are passed to Jupyter unchanged.
	JupyterArgs []string
	// Install installs the gokernel kernel spec if it is missing; it is
	// called before Jupyter starts. Nil skips this step.
	Install func() error
	// WorkDir and Executable are where to look for the notebooks
	// directory; empty means the working directory and os.Executable.
	WorkDir, Executable string
	// LookPath finds a program on PATH; nil means exec.LookPath.
	LookPath func(file string) (string, error)
	// Exec runs the program at path with args in dir and waits for it;
	// nil runs it as a child process sharing this process's standard
	// input and the Stdout and Stderr writers, and sends it an interrupt
	// when ctx ends.
	Exec func(ctx context.Context, path string, args []string, dir string) error
	// Stdout and Stderr receive Jupyter's output and this package's
	// messages.
	Stdout, Stderr io.Writer
}

// ErrNoJupyter is returned (wrapped) when neither JupyterLab nor the
// classic Jupyter Notebook is installed.
var ErrNoJupyter = errors.New("neither JupyterLab nor Jupyter Notebook is installed")

// installHelp says how to get Jupyter or do without it.
const installHelp = `Install one of them:
    pip install jupyterlab
  or, on Debian and Ubuntu:
    sudo apt-get install jupyter-notebook
Or use the course without installing Jupyter: build and run the Docker
image (see docker/ in the course repository), or open the course on
Binder (see README.md).`

// Run installs the kernel spec if needed and runs Jupyter on the
// notebooks until it exits or ctx ends.
func Run(ctx context.Context, opts Options) error {
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.Exec == nil {
		opts.Exec = execFunc(opts.Stdout, opts.Stderr)
	}
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = FindNotebooks(opts.WorkDir, opts.Executable); err != nil {
			return err
		}
	} else if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("cannot open the notebooks directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: name the directory that holds the notebooks", dir)
	}

	programs := []string{"jupyter-lab", "jupyter-notebook"}
	if opts.Classic {
		programs = []string{"jupyter-notebook", "jupyter-lab"}
	}
	path := ""
	for _, p := range programs {
		if found, err := opts.LookPath(p); err == nil {
			path = found
			break
		}
	}
	if path == "" {
		return fmt.Errorf("%w (looked for %s on PATH).\n%s", ErrNoJupyter, strings.Join(programs, " and "), installHelp)
	}

	if opts.Install != nil {
		if err := opts.Install(); err != nil {
			return fmt.Errorf("installing the gokernel kernel spec for Jupyter: %w", err)
		}
	}
	fmt.Fprintf(opts.Stderr, "gokernel lab: starting %s in %s\n", filepath.Base(path), dir)
	if err := opts.Exec(ctx, path, opts.JupyterArgs, dir); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// execFunc runs programs as child processes attached to the terminal.
func execFunc(stdout, stderr io.Writer) func(ctx context.Context, path string, args []string, dir string) error {
	return func(ctx context.Context, path string, args []string, dir string) error {
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Dir = dir
		cmd.Stdin = os.Stdin
		cmd.Stdout = stdout
		cmd.Stderr = stderr
		// Jupyter shuts its kernels down cleanly on an interrupt; it is
		// killed only if it has not exited 10 seconds later.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 10 * time.Second
		return cmd.Run()
	}
}

// FindNotebooks returns the course's notebooks directory: a directory
// named "notebooks" in workDir or one of its parents, or else next to the
// executable or in one of the executable's parent directories. Empty
// arguments mean the working directory and os.Executable. The error lists
// every place it looked.
func FindNotebooks(workDir, executable string) (string, error) {
	if workDir == "" {
		if wd, err := os.Getwd(); err == nil {
			workDir = wd
		}
	}
	if executable == "" {
		if exe, err := os.Executable(); err == nil {
			executable = exe
		}
	}
	var looked []string
	seen := map[string]bool{}
	try := func(start string) string {
		for d := start; ; d = filepath.Dir(d) {
			cand := filepath.Join(d, "notebooks")
			if !seen[cand] {
				seen[cand] = true
				looked = append(looked, cand)
				if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
					return cand
				}
			}
			if filepath.Dir(d) == d {
				return ""
			}
		}
	}
	if workDir != "" {
		if abs, err := filepath.Abs(workDir); err == nil {
			if d := try(abs); d != "" {
				return d, nil
			}
		}
	}
	if executable != "" {
		if abs, err := filepath.Abs(executable); err == nil {
			if d := try(filepath.Dir(abs)); d != "" {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("cannot find the course's notebooks directory; looked in:\n    %s\nName it: gokernel lab DIR", strings.Join(looked, "\n    "))
}

const usage = `usage: gokernel lab [--classic] [DIR] [-- JUPYTER-ARGS...]

Starts JupyterLab (or, when it is not installed or with --classic, the
classic Jupyter Notebook) in DIR, after installing the gokernel kernel
spec if it is missing. Without DIR it opens the course's notebooks
directory: "notebooks" in the working directory or one of its parents,
or next to the gokernel binary or one of its parents. Arguments after
"--" go to Jupyter unchanged, for example:

    gokernel lab -- --port 8899 --no-browser

Flags:
`

// Command is the `gokernel lab` command. Its Options supply everything
// but Dir, Classic and JupyterArgs, which come from the arguments.
type Command struct {
	Options Options
}

// Run parses args (the arguments after "lab"), runs Jupyter and returns
// the exit status: 0 when Jupyter exited normally, 1 when it failed or
// could not start, 2 for a usage error.
func (c Command) Run(ctx context.Context, args []string) int {
	opts := c.Options
	fs := flag.NewFlagSet("gokernel lab", flag.ContinueOnError)
	fs.SetOutput(opts.Stderr)
	fs.BoolVar(&opts.Classic, "classic", false, "prefer the classic Jupyter Notebook to JupyterLab")
	fs.Usage = func() {
		io.WriteString(opts.Stderr, usage)
		fs.PrintDefaults()
	}
	own, passed := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			own, passed = args[:i], args[i+1:]
			break
		}
	}
	if err := fs.Parse(own); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch fs.NArg() {
	case 0:
	case 1:
		opts.Dir = fs.Arg(0)
	default:
		fmt.Fprintf(opts.Stderr, "gokernel lab: one directory at most, got %q; put Jupyter's arguments after --\n", fs.Args())
		return 2
	}
	opts.JupyterArgs = append(opts.JupyterArgs, passed...)
	if err := Run(ctx, opts); err != nil {
		fmt.Fprintf(opts.Stderr, "gokernel lab: %v\n", err)
		return 1
	}
	return 0
}
