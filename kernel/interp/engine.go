package interp

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"asyncgo/kernel/procgroup"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

// workerSource is the worker's main package and its symbol tables, written
// into the cell workspace (the module asyncgo) at the same import path.
//
//go:embed worker/*.go worker/symbols/*.go
var workerSource embed.FS

// spareWorkers is how many workers the engine keeps started ahead. One
// is enough for cells run one by one, with time to read each; with two,
// cells sent back to back (Run All) still find one ready most of the
// time, as the next starts while they run. Each idle worker holds about
// 19 MiB.
const spareWorkers = 2

// workerPath is where the worker's source goes in the workspace module.
const workerPath = "kernel/interp/worker"

// Engine runs programs with yaegi in worker processes. Its methods are
// safe for concurrent use.
type Engine struct {
	ws       *runner.Workspace
	cacheDir string

	mu  sync.Mutex
	bin string // the built worker

	// A worker that is not built yet is built in the background, once;
	// Close stops that build and waits for it.
	bg runner.BackgroundBuild

	// spares keeps workers started ahead of the next programs, their
	// interpreters set up (see Prepare).
	spares *runner.Spares
}

// NewEngine returns an engine that builds its worker in ws and keeps the
// binary in cacheDir (empty means runner.CacheDir, else the workspace),
// so later kernels start fast.
func NewEngine(ws *runner.Workspace, cacheDir string) *Engine {
	if cacheDir == "" {
		if d, err := runner.CacheDir(); err == nil {
			cacheDir = d
		} else {
			cacheDir = filepath.Join(ws.Dir(), "bin")
		}
	}
	e := &Engine{ws: ws, cacheDir: cacheDir}
	e.spares = runner.NewSpares(e.built, spareWorkers)
	return e
}

// built returns the worker when it is built, without building it, and
// without holding the lock that Ready and Worker take.
func (e *Engine) built() (string, bool) {
	bin, err := e.binPath()
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(bin); err != nil {
		return "", false
	}
	return bin, true
}

// Prepare starts, in the background, a worker for the next program that
// runs with options like opts (their Supervisor, Dir and Env): it sets up
// its interpreter and then waits for the program, so that the program
// does not wait for it. Start uses it, and starts a worker of its own
// when the options changed or the spare died. Without a supervisor, or
// before the worker is built, Prepare does nothing. Every program still
// runs in a worker of its own.
func (e *Engine) Prepare(opts runner.RunOptions) {
	e.spares.Prepare(opts)
}

// Ready reports whether the worker is built, and returns it. When it is
// not, Ready starts building it in the background (once) and returns at
// once, so the caller can compile the cell meanwhile instead of waiting for
// a build that takes a minute on a cold cache.
func (e *Engine) Ready() (string, bool) {
	// Worker holds the lock while it builds: then the worker is not ready.
	if e.mu.TryLock() {
		if e.bin == "" {
			// Built by an earlier kernel, or by gokernel install?
			if bin, err := e.binPath(); err == nil {
				if _, err := os.Stat(bin); err == nil {
					e.bin = bin
				}
			}
		}
		bin := e.bin
		e.mu.Unlock()
		if bin != "" {
			return bin, true
		}
	}
	e.bg.Start(func(ctx context.Context) {
		// Worker records the binary for the next call; a failure is
		// reported when a later cell asks for the worker.
		e.Worker(ctx)
	})
	return "", false
}

// Close stops a background build of the worker and ends the spare worker,
// and waits for both to end.
func (e *Engine) Close() error {
	e.bg.Close()
	return e.spares.Close()
}

// Worker returns the path of the worker binary, building it on first use
// (a build takes a minute without the toolchain's cache; install warms it).
func (e *Engine) Worker(ctx context.Context) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bin != "" {
		if _, err := os.Stat(e.bin); err == nil {
			return e.bin, nil
		}
	}
	bin, err := e.build(ctx)
	if err != nil {
		return "", err
	}
	e.bin = bin
	return bin, nil
}

// binPath returns where the worker built from this gokernel's worker
// source with this toolchain is kept: the name is a hash of both. The
// workspace knows the toolchain's version already: no go command runs.
func (e *Engine) binPath() (string, error) {
	version := e.ws.Toolchain().Version
	if version == "" {
		return "", fmt.Errorf("%s did not say its version: check that Go %s or later is installed", e.ws.Go(), strings.TrimPrefix(runner.MinGo, "go"))
	}
	src, err := fs.Sub(workerSource, "worker")
	if err != nil {
		return "", err
	}
	name, err := runner.CachedName("yaegi-worker", version, src)
	if err != nil {
		return "", err
	}
	return filepath.Join(e.cacheDir, name), nil
}

func (e *Engine) build(ctx context.Context) (string, error) {
	if err := e.ws.Prepare(); err != nil {
		return "", err
	}
	bin, err := e.binPath()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	dir := filepath.Join(e.ws.Dir(), filepath.FromSlash(workerPath))
	err = fs.WalkDir(workerSource, "worker", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := workerSource.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "worker/")))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("write the yaegi worker's source: %w", err)
	}
	if err := os.MkdirAll(e.cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("create the worker cache: %w", err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	args := append([]string{"build", "-ldflags=-s -w", "-o", tmp}, runner.BuildFlags(nil)...)
	cmd := exec.CommandContext(ctx, e.ws.Go(), append(args, ".")...)
	cmd.Dir = dir
	// BuildEnv sets CGO_ENABLED=0: a worker without cgo has the runtime's
	// deadlock detector.
	cmd.Env = e.ws.Env(nil, nil)
	procgroup.Set(cmd)
	out, err := cmd.CombinedOutput()
	procgroup.End(cmd)
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build the yaegi worker: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("install the yaegi worker: %w", err)
	}
	return bin, nil
}

// Start runs the type-checked program res, whose source is src, with the
// worker, like runner.Start runs a compiled program: opts.Args are the
// program's arguments. The caller must call Wait on the process.
func (e *Engine) Start(ctx context.Context, res *typecheck.Result, src []byte, opts runner.RunOptions) (*Process, error) {
	return e.start(ctx, Rewrite(res, src), src, opts)
}

// StartDisplayingLastCall is Start for the program that also displays the
// value of res's last call (see RewriteDisplayingLastCall): res and src
// are the program without the display.
func (e *Engine) StartDisplayingLastCall(ctx context.Context, res *typecheck.Result, src []byte, opts runner.RunOptions) (*Process, error) {
	return e.start(ctx, RewriteDisplayingLastCall(res, src), src, opts)
}

func (e *Engine) start(ctx context.Context, code, src []byte, opts runner.RunOptions) (*Process, error) {
	bin, err := e.Worker(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(code)
	dir := filepath.Join(e.ws.Dir(), "yaegi")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write the program for yaegi: %w", err)
	}
	file := filepath.Join(dir, hex.EncodeToString(sum[:12])+".go")
	if err := os.WriteFile(file, code, 0o644); err != nil {
		return nil, fmt.Errorf("write the program for yaegi: %w", err)
	}
	// The page the worker's main notes its line in (see Process.Wait).
	if err := os.WriteFile(file+".line", make([]byte, 8), 0o644); err != nil {
		return nil, fmt.Errorf("write the program for yaegi: %w", err)
	}
	opts.Args = append([]string{file}, opts.Args...)
	opts.Spare = e.spares.Take()
	p, err := runner.Start(ctx, bin, opts)
	if err != nil {
		os.Remove(file)
		os.Remove(file + ".line")
		return nil, err
	}
	return &Process{Process: p, file: file, origins: lineOrigins(src)}, nil
}

// Process is a program running in the worker.
type Process struct {
	*runner.Process
	file    string   // the program, which the worker removes once it has compiled it
	origins []string // line of the program (from 1) → "cell:line"
	ran     bool
}

// Wait waits for the program to end, like runner.Process.Wait. In a crash
// report, lines of the program are given in cell coordinates and the
// frames of the interpreter itself are left out.
func (p *Process) Wait() runner.Result {
	r := p.Process.Wait()
	// The worker removes the program file after compiling it and before
	// running any of it: a file still there means none of the program ran,
	// whatever the exit status (the program itself may call os.Exit(75)).
	if _, err := os.Stat(p.file); err == nil {
		os.Remove(p.file)
	} else {
		p.ran = true
	}
	line := mainLine(p.file + ".line")
	if r.Crash != nil {
		c := *r.Crash
		if c.Kind == "fatal error" && line > 0 {
			c.Report = withMainLine(c.Report, line)
		}
		c.Report = p.cellReport(c.Report)
		r.Crash = &c
	}
	return r
}

// mainLine returns the line of the program the worker's main last noted
// in the file at path (0 for none), and removes the file.
func mainLine(path string) int {
	b, err := os.ReadFile(path)
	os.Remove(path)
	if err != nil || len(b) < 8 {
		return 0
	}
	return int(binary.NativeEndian.Uint64(b))
}

// goroutineOne is the header of the main goroutine's trace in a report.
var goroutineOne = regexp.MustCompile(`(?m)^goroutine 1 \[[^\]]*\]:\n`)

// withMainLine adds to the trace of the main goroutine in a fatal error
// report of the worker (a deadlock: the runtime shows only the worker's
// frames) the frame of the program's main at line.
func withMainLine(report string, line int) string {
	loc := goroutineOne.FindStringIndex(report)
	if loc == nil {
		return report
	}
	// "main.main()", as Go prints it: main has no arguments to elide.
	return report[:loc[1]] + fmt.Sprintf("main.main()\n\tmain.go:%d\n", line) + report[loc[1]:]
}

// Ran reports, after Wait, whether yaegi compiled the program and started
// running it. When it did not (the worker exited with ExitUnsupported
// before running anything, or was stopped while compiling), none of the
// program's code ran, and the caller may run it with the compiler instead.
func (p *Process) Ran() bool { return p.ran }

var programLine = regexp.MustCompile(`^\tmain\.go:(\d+)$`)

// interpreterFrame reports whether a frame of a goroutine trace (its
// function line and its file line) belongs to the worker, yaegi or the
// reflection yaegi calls through, rather than to the program.
func interpreterFrame(fn, file string) bool {
	for _, prefix := range []string{"github.com/traefik/yaegi", "created by github.com/traefik/yaegi", "reflect.", "runtime.", "panic("} {
		if strings.HasPrefix(fn, prefix) {
			return true
		}
	}
	return strings.Contains(file, "kernel/interp/worker/")
}

func (p *Process) cellReport(report string) string {
	lines := strings.Split(report, "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") && !strings.HasPrefix(l, "\t") && interpreterFrame(l, lines[i+1]) {
			i++
			continue
		}
		if m := programLine.FindStringSubmatch(l); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < len(p.origins) && p.origins[n] != "" {
				l = "\t" + p.origins[n]
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// lineOrigins maps each line of a generated program to the cell line it
// comes from, following its //line directives.
func lineOrigins(src []byte) []string {
	lines := strings.Split(string(src), "\n")
	origins := make([]string, len(lines)+2)
	file, next := "", 0
	for i, l := range lines {
		n := i + 1
		if rest, ok := strings.CutPrefix(l, "//line "); ok {
			parts := strings.Split(rest, ":")
			if len(parts) >= 2 {
				if ln, err := strconv.Atoi(parts[1]); err == nil {
					file, next = parts[0], ln
					continue
				}
			}
		}
		if file != "" {
			origins[n] = file + ":" + strconv.Itoa(next)
			next++
		}
	}
	return origins
}

// Warm builds the worker in a new workspace with opts, so that the first
// cell that runs with yaegi does not wait for the build.
func Warm(ctx context.Context, opts runner.Options) error {
	ws, err := runner.NewWorkspace(opts)
	if err != nil {
		return err
	}
	defer ws.Close()
	_, err = NewEngine(ws, "").Worker(ctx)
	return err
}

// ExitUnsupported is the worker's exit status when yaegi cannot compile a
// program (a defect of yaegi the router did not foresee). A program may exit
// with the same status: Process.Ran tells the two apart.
const ExitUnsupported = 75
