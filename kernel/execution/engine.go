package execution

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

// Engines that run cells.
const (
	engineGo    = "go"
	engineYaegi = "yaegi"
)

// engineState is the %engine setting and what it last did.
type engineState struct {
	choice string // "auto" (the zero value), engineGo or engineYaegi
	force  bool   // run with yaegi even where the router says no
	last   string // the engine that ran the last cell's Go code
	why    string // why the last cell ran with the compiler, if it did
	fast   *interp.Engine
}

// engineMagic answers %engine: alone it shows the choice and the engine of
// the last cell; with an argument it sets the choice.
func (x *Executor) engineMagic(args []string) (string, error) {
	e := &x.engines
	if len(args) > 0 {
		choice, force := args[0], len(args) == 2 && args[1] == "--force"
		ok := (choice == "auto" || choice == engineGo || choice == engineYaegi) && (len(args) == 1 || force && choice == engineYaegi)
		if !ok {
			return "", fmt.Errorf("%%engine %s: want auto, go or yaegi (yaegi --force to interpret even what the router sends to the compiler)", strings.Join(args, " "))
		}
		e.choice, e.force = choice, force
	}
	choice := e.choice
	if choice == "" {
		choice = "auto"
	}
	if e.force {
		choice += " --force"
	}
	text := "Engine: " + choice + "\n"
	if e.last != "" {
		text += "The last cell ran with " + e.last
		if e.why != "" {
			text += " (" + e.why + ")"
		}
		text += ".\n"
	}
	return text, nil
}

// program is a cell's program and what is known of it before it runs.
type program struct {
	// Program is what the compiler builds.
	*cell.Program
	// checked is the one type check of the cell, nil until it is made,
	// and checkErr its error. It checks plain, which is Program.Source
	// unless displayCall.
	checked  *typecheck.Result
	checkErr error
	tried    bool
	plain    []byte
	// displayCall reports that Program displays the last call's value
	// while plain, the program checked, does not: the router and yaegi
	// work from plain's check and add the display (see
	// interp.RouteDisplayingLastCall), so the cell is checked once.
	displayCall bool
}

// generate returns the program for a cell. A last expression that is a
// call is displayed only when type checking shows it has exactly one
// result, so that fmt.Println's (n, err) is not shown after every cell;
// that check is the cell's one check, which the engine choice reuses.
func (x *Executor) generate(ctx context.Context, c *cell.Cell, name string, debug *debugRun) (*program, error) {
	opts := cell.GenerateOptions{DisplayValue: true}
	if debug != nil {
		opts.FileName = debug.fileName
	}
	prog, err := x.cells.Generate(c, name, opts)
	if err != nil {
		return nil, err
	}
	p := &program{Program: prog, plain: prog.Source}
	if c.Last == nil || !c.Last.IsCall {
		return p, nil
	}
	if err := x.ws.Prepare(); err != nil {
		return nil, err
	}
	x.check(ctx, p)
	if p.checkErr != nil {
		// Not knowing the result count is no reason to fail the cell: the
		// build reports real problems.
		x.log.Debug("type check for the last expression", "err", p.checkErr)
		return p, nil
	}
	if n, ok := p.checked.LastCallResults(); ok && n == 1 {
		opts.DisplayCall = true
		shown, err := x.cells.Generate(c, name, opts)
		if err != nil {
			return nil, err
		}
		p.Program, p.displayCall = shown, true
	}
	return p, nil
}

// check type-checks p's plain program, once.
func (x *Executor) check(ctx context.Context, p *program) {
	if p.tried {
		return
	}
	p.tried = true
	x.checks.Add(1)
	p.checked, p.checkErr = x.checkerFor(p.Program).Check(ctx, p.plain, p.Imports)
}

// runProgram runs a cell's program with the engine the %engine setting and
// the router pick, and returns that engine and how the program ended.
// commit is called once the program is known to be valid. A failure is an
// error to report instead of a result. The program runs at most once: the
// compiler takes over from yaegi only when none of it ran.
func (x *Executor) runProgram(ctx context.Context, prog *program, debug *debugRun, sources map[string]string, opts runner.RunOptions, commit func()) (string, runner.Result, *Failure) {
	e := &x.engines
	e.why = ""
	build := runner.Build{Source: prog.Source, Flags: prog.GoFlags, Env: prog.Env}
	if debug != nil {
		// A build the debugger can step through, run by it, never by
		// yaegi.
		d := debug.d
		e.last, e.why = engineGo, "the debugger runs it"
		build.Flags = append(slices.Clone(build.Flags), d.Flags()...)
		bin, f := x.build(ctx, build, sources)
		if f != nil {
			return engineGo, runner.Result{}, f
		}
		commit()
		r, err := d.Run(ctx, bin, opts)
		if err != nil {
			return engineGo, runner.Result{}, failure("DebugError", err.Error())
		}
		return engineGo, r, nil
	}
	if _, built := x.ws.Cached(build); built && e.choice != engineYaegi {
		// A program compiled before runs from its binary: faster than the
		// interpreter, and exactly Go.
		e.why = "its compiled binary was at hand"
	} else if x.routeToYaegi(ctx, prog, opts) {
		var p *interp.Process
		var err error
		if _, ready := e.fast.Ready(); !ready {
			// The first use on a machine builds the worker (a minute on a
			// cold cache): compile this cell rather than wait.
			err = errors.New("the yaegi worker is being built in the background; until it is ready, cells are compiled")
		} else if prog.displayCall {
			p, err = e.fast.StartDisplayingLastCall(ctx, prog.checked, prog.plain, opts)
		} else {
			p, err = e.fast.Start(ctx, prog.checked, prog.plain, opts)
		}
		if err == nil {
			r := p.Wait()
			x.prepare(engineYaegi, opts)
			if p.Ran() || r.Interrupted {
				// The program's code started: whatever the outcome, it
				// is this cell's one run. Nothing runs it again.
				commit()
				e.last = engineYaegi
				return engineYaegi, r, nil
			}
			// yaegi could not compile the program, and none of it ran:
			// the compiler runs it instead.
			e.why = "yaegi could not compile it"
		} else {
			x.log.Info("yaegi not used for this cell", "why", err)
			e.why = err.Error()
		}
	}
	e.last = engineGo
	bin, f := x.build(ctx, build, sources)
	if f != nil {
		return engineGo, runner.Result{}, f
	}
	commit()
	opts.Spare = x.spares.Take()
	p, err := runner.Start(ctx, bin, opts)
	if err != nil {
		return engineGo, runner.Result{}, failure("RunError", err.Error())
	}
	r := p.Wait()
	x.prepare(engineGo, opts)
	return engineGo, r, nil
}

// debugRun is what a cell run under the debugger needs: the debugger and
// the file that stands for each cell of the program.
type debugRun struct {
	d     Debugger
	paths map[string]string // cell file name → the debugger's path
}

// fileName names a cell in a debugged program's //line directives.
func (r *debugRun) fileName(name string) string {
	if p, ok := r.paths[name]; ok {
		return p
	}
	return name
}

// debugFiles asks the debugger for the file of each cell whose code the
// program may hold (sources: cell file name → code).
func (x *Executor) debugFiles(d Debugger, sources map[string]string) (*debugRun, *Failure) {
	r := &debugRun{d: d, paths: make(map[string]string, len(sources))}
	for name, code := range sources {
		p, err := d.CellPath(code)
		if err != nil {
			return nil, failure("DebugError", err.Error())
		}
		r.paths[name] = p
	}
	return r, nil
}

// build compiles a program, or returns the failure to report.
func (x *Executor) build(ctx context.Context, build runner.Build, sources map[string]string) (string, *Failure) {
	bin, err := x.ws.Build(ctx, build)
	if err == nil {
		return bin, nil
	}
	if ctx.Err() != nil {
		return "", interrupted("the build was interrupted")
	}
	var be *runner.BuildError
	if errors.As(err, &be) {
		return "", compileFailure(be, sources)
	}
	return "", failure("BuildError", err.Error())
}

// routeToYaegi reports whether the program should run with yaegi (and
// records why not in x.engines.why). It type-checks the program unless
// the cell was checked already. When the learner asked for yaegi and the
// router refuses, it says so on the cell's standard error.
func (x *Executor) routeToYaegi(ctx context.Context, prog *program, opts runner.RunOptions) bool {
	e := &x.engines
	switch {
	case e.choice == engineGo:
		e.why = "%engine go"
		return false
	case len(prog.GoFlags) > 0:
		e.why = "cells with %goflags are compiled"
		return false
	}
	if err := x.ws.Prepare(); err != nil {
		e.why = err.Error()
		return false
	}
	x.check(ctx, prog)
	if prog.checkErr != nil {
		e.why = "the program could not be type-checked"
		return false
	}
	res := prog.checked
	d := interp.Route(res)
	if prog.displayCall {
		d = interp.RouteDisplayingLastCall(res)
	}
	if d.Yaegi {
		return true
	}
	e.why = d.Reason()
	if e.choice == engineYaegi && len(res.Errors) == 0 {
		if e.force {
			opts.Stderr([]byte("gokernel: %engine yaegi --force: running with yaegi although the router says " + d.Reason() + "\n"))
			return true
		}
		opts.Stderr([]byte("gokernel: this cell runs with the compiler, not yaegi: " + d.Reason() + "\n(%engine yaegi --force interprets it anyway)\n"))
	}
	return false
}

// checkerFor returns the type checker for a program's build flags and
// environment.
func (x *Executor) checkerFor(prog *cell.Program) *typecheck.Checker {
	flags := runner.BuildFlags(prog.GoFlags)
	key := strings.Join(append(flags, prog.Env...), "\x00")
	checker, ok := x.checkers[key]
	if !ok {
		checker = typecheck.New(x.ws.Go(), x.ws.Dir(), x.ws.Env(prog.Env, prog.GoFlags), flags)
		x.checkers[key] = checker
	}
	return checker
}
