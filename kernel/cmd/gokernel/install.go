package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"asyncgo/kernel/debugger"
	"asyncgo/kernel/editor"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/kernelspec"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/server"
)

// locationFlags are the flags that choose where a kernelspec lives.
type locationFlags struct {
	user, sysPrefix bool
	prefix, name    string
}

func (l *locationFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.user, "user", false, "the user's Jupyter data directory (the default)")
	fs.BoolVar(&l.sysPrefix, "sys-prefix", false, "the data directory of the Python environment whose jupyter is on PATH")
	fs.StringVar(&l.prefix, "prefix", "", "the data directory under `DIR`/share/jupyter")
	fs.StringVar(&l.name, "name", kernelspec.DefaultName, "the kernel `name`")
}

func (l *locationFlags) options() (kernelspec.Options, error) {
	n := 0
	for _, set := range []bool{l.user, l.sysPrefix, l.prefix != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return kernelspec.Options{}, fmt.Errorf("choose one of --user, --sys-prefix and --prefix")
	}
	o := kernelspec.Options{Name: l.name, Scope: kernelspec.User}
	switch {
	case l.sysPrefix:
		o.Scope = kernelspec.SysPrefix
	case l.prefix != "":
		o.Scope, o.Prefix = kernelspec.Prefix, l.prefix
	}
	return o, nil
}

func runInstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	var loc locationFlags
	loc.register(fs)
	display := fs.String("display-name", "", "the `name` shown in Jupyter (default \"Go (gokernel)\")")
	noWarm := fs.Bool("no-warm", false, "skip preparing the cell workspace (the first cell then compiles the standard library)")
	noGopls := fs.Bool("no-gopls", false, "skip installing gopls (completion then offers only what Go's type checker knows)")
	noDlv := fs.Bool("no-dlv", false, "skip installing delve (without it, JupyterLab's debugger is off for Go notebooks)")
	if code := parseFlags(fs, args, stderr, "[--user | --sys-prefix | --prefix DIR] [--name NAME] [--no-warm] [--no-gopls] [--no-dlv]"); code >= 0 {
		return code
	}
	opts, err := loc.options()
	if err != nil {
		fmt.Fprintf(stderr, "gokernel install: %v\n", err)
		return 2
	}
	opts.DisplayName = *display
	if *noDlv {
		_, err := debugger.FindDlv(runner.FindGo())
		opts.Debugger = err == nil
	} else {
		opts.Debugger = ensureDlv(ctx, stdout, stderr)
	}
	dir, err := kernelspec.Install(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel install: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Installed the kernelspec %q in %s\n", opts.Name, dir)
	if !*noGopls {
		ensureGopls(ctx, stdout, stderr)
	}
	if *noWarm {
		return 0
	}
	start := time.Now()
	fmt.Fprintln(stdout, "Preparing the cell workspace (the standard library and asyncgo/helpers, built once)...")
	if err := runner.Warm(ctx, runner.Options{}); err != nil {
		fmt.Fprintf(stderr, "gokernel install: the kernelspec is installed, but preparing the cell workspace failed: %v\nThe first cell will be slower; run 'gokernel install' again when the problem is fixed.\n", err)
		return 1
	}
	if _, err := runner.NewSupervisors(runner.SupervisorOptions{}).Build(ctx); err != nil {
		fmt.Fprintf(stderr, "gokernel install: the kernelspec is installed, but building the cell supervisor failed: %v\nCells will start under gokernel, which costs more per cell; run 'gokernel install' again when the problem is fixed.\n", err)
		return 1
	}
	if err := interp.Warm(ctx, runner.Options{}); err != nil {
		fmt.Fprintf(stderr, "gokernel install: the kernelspec is installed, but building the yaegi worker failed: %v\nCells will be compiled until it builds; run 'gokernel install' again when the problem is fixed.\n", err)
		return 1
	}
	tc, _ := runner.FindToolchain(ctx, "")
	fmt.Fprintf(stdout, "Ready in %.1fs: cells build with %s.\n", time.Since(start).Seconds(), server.ToolchainVersion(tc.Go))
	return 0
}

// ensureGopls installs gopls, which answers completion and documentation
// requests, when it is not found. A failure is a warning: the kernel works
// without gopls, with simpler completion.
func ensureGopls(ctx context.Context, stdout, stderr io.Writer) {
	goCmd := runner.FindGo()
	tc, _ := runner.FindToolchain(ctx, goCmd)
	want := editor.GoplsVersion(tc.Version)
	if p := editor.FindGopls(goCmd); p != "" {
		have := editor.GoplsRelease(p)
		if have == want || have == "(devel)" {
			fmt.Fprintf(stdout, "gopls %s is installed (%s): completion and documentation use it.\n", have, p)
			return
		}
		fmt.Fprintf(stdout, "gopls %s is installed (%s), but %s wants %s.\n", have, p, tc.Version, want)
	}
	fmt.Fprintf(stdout, "Installing gopls %s for completion and documentation in notebooks (%s; a minute or two)...\n", want, editor.InstallCommand(tc.Version))
	if err := editor.InstallGopls(ctx, goCmd, tc.Version, stderr); err != nil {
		fmt.Fprintf(stderr, "gokernel install: warning: installing gopls failed: %v\nCompletion will offer only what Go's type checker knows, without documentation. Run %q when the problem is fixed (skip this step with --no-gopls).\n", err, editor.InstallCommand(tc.Version))
		return
	}
	if p := editor.FindGopls(goCmd); p != "" {
		fmt.Fprintf(stdout, "Installed gopls: %s\n", p)
		return
	}
	fmt.Fprintf(stderr, "gokernel install: warning: gopls was installed but is not on PATH, in GOBIN or in GOPATH/bin; check 'go env GOBIN GOPATH'.\n")
}

// ensureDlv installs delve, which the kernel's Jupyter debugger runs cells
// under, when the tested release is not found, and reports whether delve
// is installed. A failure is a warning: the kernel works without delve,
// and says it has no debugger.
func ensureDlv(ctx context.Context, stdout, stderr io.Writer) bool {
	goCmd := runner.FindGo()
	if p, err := debugger.FindDlv(goCmd); err == nil {
		have := debugger.DlvRelease(p)
		if have == debugger.DlvVersion || have == "(devel)" {
			fmt.Fprintf(stdout, "delve %s is installed (%s): JupyterLab's debugger uses it.\n", have, p)
			return true
		}
		fmt.Fprintf(stdout, "delve %s is installed (%s), but gokernel is tested with %s.\n", have, p, debugger.DlvVersion)
	}
	fmt.Fprintf(stdout, "Installing delve %s for JupyterLab's debugger (%s; a minute or two)...\n", debugger.DlvVersion, debugger.InstallCommand)
	if err := debugger.InstallDlv(ctx, goCmd, stderr); err != nil {
		fmt.Fprintf(stderr, "gokernel install: warning: installing delve failed: %v\nNotebooks run as usual, without JupyterLab's debugger. Run %q and then 'gokernel install' again when the problem is fixed (skip this step with --no-dlv).\n", err, debugger.InstallCommand)
		_, err := debugger.FindDlv(goCmd)
		return err == nil
	}
	if p, err := debugger.FindDlv(goCmd); err == nil {
		fmt.Fprintf(stdout, "Installed delve: %s\n", p)
		return true
	}
	fmt.Fprintf(stderr, "gokernel install: warning: delve was installed but is not on PATH, in GOBIN or in GOPATH/bin; check 'go env GOBIN GOPATH'.\n")
	return false
}

func runUninstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("uninstall", flag.ContinueOnError)
	var loc locationFlags
	loc.register(fs)
	if code := parseFlags(fs, args, stderr, "[--user | --sys-prefix | --prefix DIR] [--name NAME]"); code >= 0 {
		return code
	}
	opts, err := loc.options()
	if err != nil {
		fmt.Fprintf(stderr, "gokernel uninstall: %v\n", err)
		return 2
	}
	dir, err := kernelspec.Uninstall(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel uninstall: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Removed the kernelspec %q from %s\n", opts.Name, dir)
	return 0
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	tc, err := runner.FindToolchain(ctx, "")
	if err != nil {
		fmt.Fprintf(stdout, "gokernel %s, built with %s\ncells build with: %v\n", version, runtime.Version(), err)
		return 1
	}
	fmt.Fprintf(stdout, "gokernel %s, built with %s\ncells build with %s (%s)\ngopls for %s: %s\ndelve: %s\n",
		version, runtime.Version(), tc.Version, tc.Go, tc.Version, editor.GoplsVersion(tc.Version), debugger.DlvVersion)
	if tc.NewerThanKernel() {
		fmt.Fprintf(stdout, "warning: %s is newer than the Go that built gokernel: rebuild gokernel with %s (go install ./kernel/cmd/gokernel), or cells cannot be type-checked\n", tc.Version, tc.Version)
	}
	return 0
}

// outputLimit parses a size such as "8MiB", "500KB" or "1048576"; empty
// means the default.
func outputLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return server.DefaultOutputLimit, nil
	}
	units := []struct {
		suffix string
		mult   int
	}{{"MiB", 1 << 20}, {"KiB", 1 << 10}, {"MB", 1000 * 1000}, {"KB", 1000}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mult := 1
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size: write a number of bytes, or with a unit such as 8MiB or 500KB", s)
	}
	return n * mult, nil
}
