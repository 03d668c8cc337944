package server

import (
	"context"
	"errors"
	"fmt"
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

// engineState is the %engine setting and what it last did. It is used
// only by the shell goroutine.
type engineState struct {
	choice string // "auto" (the zero value), engineGo or engineYaegi
	force  bool   // run with yaegi even where the router says no
	last   string // the engine that ran the last cell's Go code
	why    string // why the last cell ran with the compiler, if it did
	fast   *interp.Engine
}

// engineMagic answers %engine: alone it shows the choice and the engine of
// the last cell; with an argument it sets the choice.
func (k *Kernel) engineMagic(args []string) (string, error) {
	e := &k.engines
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

// runProgram runs a cell's program with the engine the %engine setting and
// the router pick, and returns that engine and how the program ended.
// checked is prog's type-check result when the caller has one (nil
// otherwise). commit is called once the program is known to be valid. A
// failure is an error to report instead of a result. The program runs at
// most once: the compiler takes over from yaegi only when none of it ran.
func (k *Kernel) runProgram(ctx context.Context, prog *cell.Program, checked *typecheck.Result, sources map[string]string, opts runner.RunOptions, commit func()) (string, runner.Result, *errorContent) {
	e := &k.engines
	e.why = ""
	build := runner.Build{Source: prog.Source, Flags: prog.GoFlags, Env: prog.Env}
	if _, built := k.ws.Cached(build); built && e.choice != engineYaegi {
		// A program compiled before runs from its binary: faster than the
		// interpreter, and exactly Go.
		e.why = "its compiled binary was at hand"
	} else if res := k.routeToYaegi(ctx, prog, checked, opts); res != nil {
		if e.fast == nil {
			e.fast = interp.NewEngine(k.ws, "")
		}
		var p *interp.Process
		var err error
		if _, ready := e.fast.Ready(); !ready {
			// The first use on a machine builds the worker (a minute on a
			// cold cache): compile this cell rather than wait.
			err = errors.New("the yaegi worker is being built in the background; until it is ready, cells are compiled")
		} else {
			p, err = e.fast.Start(ctx, res, prog.Source, opts)
		}
		if err == nil {
			r := p.Wait()
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
			k.log.Info("yaegi not used for this cell", "why", err)
			e.why = err.Error()
		}
	}
	e.last = engineGo
	bin, err := k.ws.Build(ctx, build)
	if err != nil {
		if ctx.Err() != nil {
			return engineGo, runner.Result{}, interrupted("the build was interrupted")
		}
		var be *runner.BuildError
		if errors.As(err, &be) {
			return engineGo, runner.Result{}, compileFailure(be, sources)
		}
		return engineGo, runner.Result{}, &errorContent{Name: "BuildError", Value: err.Error(), Traceback: []string{red("BuildError") + ": " + err.Error()}}
	}
	commit()
	p, err := runner.Start(ctx, bin, opts)
	if err != nil {
		return engineGo, runner.Result{}, &errorContent{Name: "RunError", Value: err.Error(), Traceback: []string{red("RunError") + ": " + err.Error()}}
	}
	return engineGo, p.Wait(), nil
}

// routeToYaegi returns the type-checked program when it should run with
// yaegi, or nil for the compiler (and records why in k.engines.why). It
// type-checks the program unless checked is its result already. When the
// learner asked for yaegi and the router refuses, it says so on the cell's
// standard error.
func (k *Kernel) routeToYaegi(ctx context.Context, prog *cell.Program, checked *typecheck.Result, opts runner.RunOptions) *typecheck.Result {
	e := &k.engines
	switch {
	case e.choice == engineGo:
		e.why = "%engine go"
		return nil
	case len(prog.GoFlags) > 0:
		e.why = "cells with %goflags are compiled"
		return nil
	}
	if err := k.ws.Prepare(); err != nil {
		e.why = err.Error()
		return nil
	}
	res := checked
	if res == nil {
		var err error
		res, err = k.checkerFor(prog).Check(ctx, prog.Source, prog.Imports)
		if err != nil {
			e.why = "the program could not be type-checked"
			return nil
		}
	}
	d := interp.Route(res)
	if d.Yaegi {
		return res
	}
	e.why = d.Reason()
	if e.choice == engineYaegi && len(res.Errors) == 0 {
		if e.force {
			opts.Stderr([]byte("gokernel: %engine yaegi --force: running with yaegi although the router says " + d.Reason() + "\n"))
			return res
		}
		opts.Stderr([]byte("gokernel: this cell runs with the compiler, not yaegi: " + d.Reason() + "\n(%engine yaegi --force interprets it anyway)\n"))
	}
	return nil
}

// checkerFor returns the type checker for a program's build flags and
// environment.
func (k *Kernel) checkerFor(prog *cell.Program) *typecheck.Checker {
	flags := runner.BuildFlags(prog.GoFlags)
	key := strings.Join(append(flags, prog.Env...), "\x00")
	checker, ok := k.checkers[key]
	if !ok {
		checker = typecheck.New(k.ws.Go(), k.ws.Dir(), runner.BuildEnv(prog.Env, prog.GoFlags), flags)
		k.checkers[key] = checker
	}
	return checker
}
