// Package execution runs gokernel's cells: it is the one owner of what
// happens between a cell's code and its outcome.
//
// gokernel is split in two. Package asyncgo/kernel/server speaks the
// Jupyter protocol: messages, sockets, replies, the order of IOPub
// messages, execution counts, history, interrupts and aborting the queue
// after an error. This package runs cells: it parses a cell
// (asyncgo/kernel/cell), answers its magics (the registry of
// kernel/cell, with %engine and %kernel answered here), runs its shell
// lines, generates its program, type-checks it once, picks the engine
// (the yaegi fast path of asyncgo/kernel/interp or the compiler and
// asyncgo/kernel/runner), commits its declarations once the program is
// known to be valid, and turns how it ended into the failure the learner
// sees. The server gives it a Cell and a Sink for the cell's outputs and
// gets back an Outcome.
//
// An Executor is used by one goroutine at a time (the server's shell
// goroutine); its Names and TypeChecks methods may be called from any
// goroutine.
package execution

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/cell"
	"asyncgo/kernel/interp"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

// Sink receives a running cell's outputs, in the order the cell produces
// them. Its methods may be called from several goroutines of one cell.
type Sink interface {
	// Stream adds printed text to the stream named "stdout" or "stderr".
	Stream(name string, text []byte)
	// Display shows a display frame the program sent.
	Display(f *frame.Message)
	// BadFrame reports a display frame the program got wrong; the
	// program keeps running.
	BadFrame(err error)
	// Flush sends the text added so far.
	Flush()
	// Input asks the frontend for a line of input. It is called only for
	// cells whose Cell.AllowInput is set.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// Cell is one cell to run, with what the protocol knows of it.
type Cell struct {
	// Code is the cell's text.
	Code string
	// Name is the name the learner knows the cell by, such as "In[3]":
	// diagnostics and traces show it.
	Name string
	// Silent cells show no output.
	Silent bool
	// AllowInput reports that the frontend answers input requests; without
	// it a read of standard input gets end of file, with a notice.
	AllowInput bool
}

// Outcome is how a cell ended.
type Outcome struct {
	// Engine is the engine that ran the cell's Go code ("go" or
	// "yaegi"), or "" when the cell had none or failed before choosing.
	Engine string
	// Failure is the error to show, or nil when the cell succeeded.
	Failure *Failure
}

// Failure is a failed cell's error, as Jupyter's error output and
// execute_reply carry it.
type Failure struct {
	// Name is the kind of failure, such as "CompileError" or "panic".
	Name string `json:"ename"`
	// Value is the failure in one line.
	Value string `json:"evalue"`
	// Traceback is the failure as shown, line by line, with ANSI colour.
	Traceback []string `json:"traceback"`
}

// Debugger is the seam for running a cell's program under a debugger
// instead of on an engine. When Config.Debugger is set and Active reports
// true as a cell starts, the Executor names every cell in the program's
// //line directives by its CellPath (so the compiled program's lines are
// the files the debugger's frontend sets breakpoints on), skips the yaegi
// fast path, builds the program with Flags added to its build flags,
// commits the cell, and calls Run with the binary instead of starting it
// itself. How the debugger session is started, and breakpoints set, is
// the Debugger's affair.
type Debugger interface {
	// Active reports whether the next program runs under the debugger
	// (the debugger is started and has breakpoints).
	Active() bool
	// Flags are the go build flags of a debugged build, such as
	// "-gcflags=all=-N -l".
	Flags() []string
	// CellPath returns the file that stands for a cell with this code in
	// a debugged program, having written the code there: an absolute
	// path that depends only on the code, outside the workspace module
	// (so -trimpath keeps it), with no colon or newline.
	CellPath(code string) (string, error)
	// Run runs the built program bin with opts under the debugger and
	// returns how it ended, as runner.Process.Wait does.
	Run(ctx context.Context, bin string, opts runner.RunOptions) (runner.Result, error)
}

// Config configures an Executor.
type Config struct {
	// Workspace configures the module cell programs are built in. The
	// Executor makes it and removes it at Close (unless Workspace.Dir
	// names one).
	Workspace runner.Options
	// Logger receives the Executor's own log; nil means discard.
	Logger *slog.Logger
	// Version is gokernel's version, for %kernel.
	Version string
	// Grace is how long an interrupted program has before it is killed
	// (runner.RunOptions.Grace).
	Grace time.Duration
	// Supervisor is the binary that supervises each cell program (see
	// runner.RunOptions.Supervisor).
	Supervisor string
	// Status returns the kernel process's state for %kernel, after the
	// version line; nil shows none.
	Status func() string
	// Debugger, when set, may run programs under a debugger; see
	// Debugger.
	Debugger Debugger
}

// Executor runs the cells of one kernel session: declarations persist
// from cell to cell.
type Executor struct {
	cfg Config
	log *slog.Logger
	ws  *runner.Workspace

	cells   *cell.Session
	sources map[string]string // cell file name → source, for diagnostics
	names   *names
	// checkers type-check programs, one per set of build flags and
	// environment (export data differs between them).
	checkers map[string]*typecheck.Checker
	checks   atomic.Int64
	engines  engineState
	// spares keeps a supervisor started ahead of the next compiled
	// program (engines.fast keeps a worker for the next on yaegi).
	spares *runner.Spares
	// first holds the options of the first cell's processes, which
	// Prepare starts once (firstOnce); after each cell, Run prepares the
	// next cell's itself.
	first     runner.RunOptions
	firstOnce sync.Once

	goVersionOnce sync.Once
	goVersion     string
	newerGoOnce   sync.Once
}

// New returns an Executor with a workspace made as cfg.Workspace says.
func New(cfg Config) (*Executor, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ws, err := runner.NewWorkspace(cfg.Workspace)
	if err != nil {
		return nil, err
	}
	if cfg.Workspace.Dir == "" {
		// So that the next kernel removes it if this one is killed.
		if err := runner.MarkOwner(ws.Dir()); err != nil {
			cfg.Logger.Warn("the workspace will be left behind if the kernel is killed", "err", err)
		}
	}
	x := &Executor{
		cfg:      cfg,
		log:      cfg.Logger,
		ws:       ws,
		cells:    cell.NewSession(),
		sources:  map[string]string{},
		names:    newNames(),
		checkers: map[string]*typecheck.Checker{},
		spares:   runner.NewSpares(nil, 1),
	}
	x.engines.fast = interp.NewEngine(ws, "")
	x.first = x.runOptions(x.cells.Env())
	return x, nil
}

// Prepare starts, in the background, the processes the first cell runs
// in (a supervisor waiting for a compiled program, a yaegi worker with its
// interpreter set up), so that the first cell does not wait for them, as
// later cells do not. A kernel calls it once it has answered its first
// request: processes started with the kernel would compete with it for
// the processor while a client waits for its first answer. Run calls it
// too, so the first cell finds them started either way. Only the first
// call does anything; it is safe for concurrent use.
func (x *Executor) Prepare() {
	x.firstOnce.Do(func() {
		x.prepare(engineGo, x.first)
		x.prepare(engineYaegi, x.first)
	})
}

// runOptions returns the options of a cell program with the environment
// env (%env's), without its arguments and outputs.
func (x *Executor) runOptions(env []string) runner.RunOptions {
	return runner.RunOptions{
		Env:        append(env, WorkspaceEnv+"="+x.ws.Dir()),
		Grace:      x.cfg.Grace,
		Supervisor: x.cfg.Supervisor,
	}
}

// prepare starts, in the background, the processes of the next program
// on engine, run with options like opts: they start while the learner
// reads the cell that ended.
func (x *Executor) prepare(engine string, opts runner.RunOptions) {
	if engine == engineYaegi {
		x.engines.fast.Prepare(opts)
		return
	}
	x.spares.Prepare(opts)
}

// Workspace returns the module cells are built in, for those who read it
// too (the editor, the Go version in kernel_info). It is valid until
// Close.
func (x *Executor) Workspace() *runner.Workspace { return x.ws }

// Session returns the cell session: the declarations committed so far.
// The editor completes against it; it must be read on the goroutine that
// runs cells.
func (x *Executor) Session() *cell.Session { return x.cells }

// Names rewrites the cell file names in s (in traces a program prints) to
// the names the learner knows, such as In[3]. It is safe for concurrent
// use.
func (x *Executor) Names(s string) string { return x.names.replace(s) }

// TypeChecks returns how many programs the Executor has type-checked.
// Each cell with Go code is checked at most once.
func (x *Executor) TypeChecks() int { return int(x.checks.Load()) }

// Close stops the Executor's background work (a build of the yaegi
// worker), waits for it to end, and closes the workspace. Whoever else
// works in the workspace (the editor) must be closed first.
func (x *Executor) Close() error {
	return errors.Join(x.engines.fast.Close(), x.spares.Close(), x.ws.Close())
}

// Run runs c: its magics, its shell lines and its Go code, sending its
// outputs to sink. Cancelling ctx interrupts it. The cell's Go code runs
// at most once, on one engine.
func (x *Executor) Run(ctx context.Context, c Cell, sink Sink) Outcome {
	x.Prepare()
	x.names.add(c.Code, c.Name)
	if c.Silent {
		sink = silentSink{sink}
	}
	engine, f := x.run(ctx, c, sink)
	return Outcome{Engine: engine, Failure: x.names.rename(f)}
}

func (x *Executor) run(ctx context.Context, req Cell, out Sink) (string, *Failure) {
	name := cellFileName(req.Code)
	c, err := cell.Parse(req.Code)
	if err != nil {
		return "", syntaxFailure(err, name, req.Code)
	}
	for _, mg := range c.Magics {
		var text string
		var err error
		switch mg.Name {
		case "kernel":
			text = x.kernelText()
		case "engine":
			text, err = x.engineMagic(mg.Args)
		default:
			text, err = x.cells.Apply(mg)
		}
		if err != nil {
			return "", failure("MagicError", err.Error())
		}
		out.Stream("stdout", []byte(text))
	}
	for _, line := range c.Shell {
		if f := x.runShell(ctx, line, out); f != nil {
			return "", f
		}
	}
	if !c.HasCode() {
		return "", nil
	}
	x.noticeNewerGo(out)
	sources := x.sourcesWith(name, req.Code)
	var debug *debugRun
	if d := x.cfg.Debugger; d != nil && d.Active() {
		var f *Failure
		if debug, f = x.debugFiles(d, sources); f != nil {
			return "", f
		}
		for name, path := range debug.paths {
			// Compile errors and traces of the debugged program name
			// cells by these paths.
			sources[path] = sources[name]
			x.names.alias(name, path)
		}
	}
	prog, err := x.generate(ctx, c, name, debug)
	if err != nil {
		return "go", failure("CellError", err.Error())
	}
	race := &raceWatch{}
	opts := x.runOptions(prog.Env)
	opts.Args = prog.Args
	opts.Stdout = func(b []byte) { out.Stream("stdout", b) }
	opts.Stderr = func(b []byte) { race.see(b); out.Stream("stderr", b) }
	opts.Display = out.Display
	opts.BadFrame = out.BadFrame
	opts.NoInput = func() {
		out.Stream("stderr", []byte("gokernel: the program read standard input, but this frontend does not accept input (allow_stdin is false), so the read got end of file.\n"))
	}
	if req.AllowInput && !req.Silent {
		opts.Input = func(prompt string, password bool) (string, error) {
			out.Flush()
			return out.Input(ctx, prompt, password)
		}
	}
	engine, res, f := x.runProgram(ctx, prog, debug, sources, opts, func() {
		x.cells.Commit(c, name)
		x.sources[name] = req.Code
	})
	if f != nil {
		return engine, f
	}
	out.Flush()
	if res.ExitCode == 66 && race.saw() {
		return engine, failure("DataRace", "the race detector found a data race (see its report above) and ended the program with exit status 66")
	}
	return engine, runFailure(res)
}

// sourcesWith returns the cell sources that diagnostics may point into.
func (x *Executor) sourcesWith(name, code string) map[string]string {
	s := make(map[string]string, len(x.sources)+1)
	for n, c := range x.sources {
		s[n] = c
	}
	s[name] = code
	return s
}

// kernelText answers %kernel.
func (x *Executor) kernelText() string {
	text := fmt.Sprintf("gokernel %s, cells built with %s\n", x.cfg.Version, x.toolchainVersion())
	if x.cfg.Status != nil {
		text += x.cfg.Status()
	}
	return text
}

// toolchainVersion returns the version of the Go toolchain that builds
// cells.
func (x *Executor) toolchainVersion() string {
	x.goVersionOnce.Do(func() {
		x.goVersion = ToolchainVersion(x.ws.Go())
	})
	return x.goVersion
}

// noticeNewerGo says once, on the standard error of the first cell with
// code, when the Go that builds cells is a newer release than gokernel
// was built with: go/types cannot read its packages, so the kernel checks
// no cell (see typecheck.NewerGoError), and rebuilding gokernel fixes it.
func (x *Executor) noticeNewerGo(out Sink) {
	x.newerGoOnce.Do(func() {
		tc := x.ws.Toolchain()
		if !tc.NewerThanKernel() {
			return
		}
		err := &typecheck.NewerGoError{Built: runtime.Version(), Go: tc.Version}
		out.Stream("stderr", []byte("gokernel: "+err.Error()+"\n"))
	})
}

// raceWatch notes whether a program's standard error held a race
// detector report, across the pieces it arrives in.
type raceWatch struct {
	mu    sync.Mutex
	tail  []byte
	found bool
}

const raceMarker = "WARNING: DATA RACE"

func (r *raceWatch) see(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.found {
		return
	}
	buf := append(r.tail, b...)
	if strings.Contains(string(buf), raceMarker) {
		r.found = true
		return
	}
	keep := min(len(buf), len(raceMarker)-1)
	r.tail = append(r.tail[:0:0], buf[len(buf)-keep:]...)
}

func (r *raceWatch) saw() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.found
}

// silentSink drops a silent cell's outputs.
type silentSink struct{ Sink }

func (silentSink) Stream(string, []byte)  {}
func (silentSink) Display(*frame.Message) {}
func (silentSink) BadFrame(error)         {}
