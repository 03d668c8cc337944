// Package runner builds cell programs with the Go toolchain and runs them as
// child processes, one process per cell.
//
// A Workspace is a Go module on disk in which cell programs are built. It
// is the module asyncgo, holding the source of its helper packages (written
// from the copy embedded in the gokernel binary), so cells import them
// offline and from any directory. (A dependency module may not have a path
// without a dot, so the helpers cannot come in through a replace directive.) Builds are cached by content: running a cell whose program
// has not changed reuses its binary and skips the toolchain entirely.
//
// A Process is one running cell program. Its standard output is split into
// text and display frames (see asyncgo/helpers/display/frame) in the order
// the program wrote them; its standard error is streamed, except for the
// report the Go runtime prints when the program dies (a panic, a fatal error
// such as a deadlock), which is held back and returned as the reason the
// cell failed. Interrupt sends SIGINT to the program's process group and
// SIGKILL after a grace period.
//
// A Spare is the processes of a cell program started before the cell, so
// the cell does not wait for them: a supervisor that waits for its
// program, or one that runs a program waiting for its arguments (the
// yaegi worker). Spares keeps one ready for an engine's next program.
package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"asyncgo/helpers"
	"asyncgo/kernel/procgroup"
)

// Options configure a Workspace. The zero value is ready to use.
type Options struct {
	// Dir is the directory of the workspace module. Empty means a new
	// temporary directory, removed by Close.
	Dir string
	// Go is the go command. Empty means "go" from PATH, then
	// $GOROOT/bin/go, then /usr/local/go/bin/go. The workspace builds
	// with the toolchain it selects in the kernel's environment (see
	// FindToolchain).
	Go string
	// KeepBinaries is how many built programs the cache keeps; 0 means 32.
	KeepBinaries int
}

// Workspace is a Go module in which cell programs are built. Its methods
// are safe for concurrent use.
type Workspace struct {
	dir, goCmd string
	ownDir     bool
	keep       int

	// The toolchain is asked for once, in the background from
	// NewWorkspace on; tc is set when found is closed.
	found    chan struct{}
	stopFind context.CancelFunc
	tc       Toolchain
	tcErr    error

	setupOnce sync.Once
	setupErr  error

	scratchOnce sync.Once
	scratch     string // GOTMPDIR for the go commands; "" to leave it

	mu     sync.Mutex
	built  map[string]string // program key → binary path
	order  []string          // keys, oldest first
	nextID int
	plans  map[string]*plan // build inputs but main.go → how go build built them
	// common holds what plans with the same build inputs but main.go
	// and its imports share: the compile command and the environment.
	common map[string]common
	stats  BuildStats
}

// NewWorkspace returns a workspace. It does no work on disk until the first
// build, so a kernel starts fast; it asks the go command which toolchain
// to use in the background.
func NewWorkspace(opts Options) (*Workspace, error) {
	w := &Workspace{dir: opts.Dir, goCmd: opts.Go, keep: opts.KeepBinaries, built: map[string]string{}, plans: map[string]*plan{}, common: map[string]common{}}
	if w.keep <= 0 {
		w.keep = 32
	}
	if w.goCmd == "" {
		w.goCmd = FindGo()
	}
	if w.dir == "" {
		d, err := os.MkdirTemp("", "gokernel-")
		if err != nil {
			return nil, fmt.Errorf("create the cell workspace: %w (set TMPDIR to a writable directory)", err)
		}
		w.dir, w.ownDir = d, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.found, w.stopFind = make(chan struct{}), cancel
	go func() {
		defer close(w.found)
		w.tc, w.tcErr = FindToolchain(ctx, w.goCmd)
	}()
	return w, nil
}

// FindGo returns the go command the kernel uses: "go" on PATH, else the one
// in $GOROOT/bin, else /usr/local/go/bin/go. It returns "go" when none is
// found, so that running it reports the problem.
func FindGo() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, p := range []string{filepath.Join(os.Getenv("GOROOT"), "bin", "go"), "/usr/local/go/bin/go"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return "go"
}

// FindTool returns the path of the Go tool name (gopls, dlv), installed
// with go install: on PATH, else in the GOBIN or GOPATH/bin that the go
// command goCmd (empty means "go") reports. It returns "" when the tool is
// in none of them.
func FindTool(goCmd, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if goCmd == "" {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return ""
	}
	gobin, gopath, _ := strings.Cut(strings.TrimRight(string(out), "\n"), "\n")
	dirs := []string{strings.TrimSpace(gobin)}
	if dirs[0] == "" {
		dirs = nil
		for _, p := range filepath.SplitList(strings.TrimSpace(gopath)) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Dir returns the workspace module's directory, where shell lines of cells
// run and relative paths in cells resolve.
func (w *Workspace) Dir() string { return w.dir }

// Go returns the path of the go command the workspace uses: that of the
// toolchain the kernel's go command selects (see FindToolchain), or the
// go command itself when asking it failed. Run it with BuildEnv.
func (w *Workspace) Go() string {
	return w.Toolchain().Go
}

// GoCommand returns the go command the workspace was configured with
// (Options.Go, else FindGo's), before it selected a toolchain: unlike Go,
// it never waits for the go command to answer. It suits questions whose
// answer does not depend on the toolchain, such as GOBIN and GOPATH.
func (w *Workspace) GoCommand() string { return w.goCmd }

// Toolchain returns the toolchain that builds cells. Its Version is empty
// when the go command could not say (then builds report why).
func (w *Workspace) Toolchain() Toolchain {
	<-w.found
	if w.tcErr != nil {
		return Toolchain{Go: w.goCmd}
	}
	return w.tc
}

// GoVersionNow returns the version of the toolchain that builds cells
// without waiting for the go command to say it: the version found, when
// it is known already, else a guess that starts no process (the release
// GOTOOLCHAIN names, else the VERSION file of the go command's GOROOT).
// A kernel answers kernel_info with it at once.
func (w *Workspace) GoVersionNow() string {
	select {
	case <-w.found:
		if w.tcErr == nil {
			return w.tc.Version
		}
	default:
	}
	if v, _, _ := strings.Cut(os.Getenv("GOTOOLCHAIN"), "+"); version.IsValid(v) {
		return v
	}
	if p, err := filepath.EvalSymlinks(w.goCmd); err == nil {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(p)), "VERSION")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			return strings.TrimSpace(first)
		}
	}
	return "go (version not known yet)"
}

// Close removes the workspace directory if the workspace created it.
func (w *Workspace) Close() error {
	w.stopFind()
	<-w.found
	if w.ownDir {
		return os.RemoveAll(w.dir)
	}
	return os.RemoveAll(filepath.Join(w.dir, scratchDir))
}

// Prepare writes the workspace module to disk, if it is not there yet.
// Build calls it; call it before running other go commands in Dir.
func (w *Workspace) Prepare() error { return w.setup() }

// BuildFlags returns the go build flags a build with extra flags uses, for
// other go commands (such as go list -export) that must see the same
// packages.
func BuildFlags(extra []string) []string {
	return append([]string{"-mod=mod", "-trimpath"}, extra...)
}

// setup writes the workspace module: go.mod, go.sum and the helpers.
func (w *Workspace) setup() error {
	w.setupOnce.Do(func() { w.setupErr = w.doSetup() })
	return w.setupErr
}

func (w *Workspace) doSetup() error {
	// The go directive follows the toolchain, so cells may use all of
	// its language.
	gomod := withGoDirective(helpers.GoMod, GoDirective(w.Toolchain().Version))
	files := map[string][]byte{"go.mod": []byte(gomod), "go.sum": []byte(helpers.GoSum)}
	src := helpers.Source()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if helpers.Skip(p) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		files["helpers/"+p] = data
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the embedded helpers: %w", err)
	}
	for name, data := range files {
		p := filepath.Join(w.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create the cell workspace: %w", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write the cell workspace: %w", err)
		}
	}
	return os.MkdirAll(filepath.Join(w.dir, "bin"), 0o755)
}

// BuildError is a failed build: the toolchain's output, for the caller to
// map back to cells.
type BuildError struct {
	Output []byte
	Err    error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build failed: %v\n%s", e.Err, bytes.TrimSpace(e.Output))
}

// Build is one program to build.
type Build struct {
	// Source is the program's main.go.
	Source []byte
	// Flags are extra go build flags, such as -race.
	Flags []string
	// Env is extra environment for the build (NAME=value), such as
	// CGO_ENABLED=1.
	Env []string
}

// Cached returns the binary of a program built before, if the cache still
// holds it.
func (w *Workspace) Cached(b Build) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	bin, ok := w.built[buildKey(b)]
	if !ok {
		return "", false
	}
	if _, err := os.Stat(bin); err != nil {
		return "", false
	}
	return bin, true
}

// Build compiles a program and returns the path of its binary. A program
// built before (same source, flags and environment) is not built again. A
// compile error is a *BuildError.
//
// A plain program (no extra flags, no cgo, no //go: directives) whose
// build inputs except main.go (imports, environment, go.mod and go.sum,
// the workspace packages it links, the toolchain) are those of one the go
// command built before is built by running the compile and link commands
// that go build ran, with the new main.go: it skips the go command's
// package loading and cache checks. When that fails, for a compile error
// or because the build cache lost an archive, go build builds the program
// and its output is the error reported. Stats counts both kinds.
func (w *Workspace) Build(ctx context.Context, b Build) (string, error) {
	if err := w.setup(); err != nil {
		return "", err
	}
	key := buildKey(b)
	w.mu.Lock()
	if bin, ok := w.built[key]; ok {
		if _, err := os.Stat(bin); err == nil {
			w.mu.Unlock()
			return bin, nil
		}
		delete(w.built, key)
	}
	w.nextID++
	id := w.nextID
	w.mu.Unlock()

	// Each build gets its own package directory, so builds never step on
	// each other and a failed build leaves no trace.
	pkgDir := filepath.Join(w.dir, fmt.Sprintf("b%d", id))
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return "", err
	}
	defer os.RemoveAll(pkgDir)
	if err := os.WriteFile(filepath.Join(pkgDir, "main.go"), b.Source, 0o644); err != nil {
		return "", fmt.Errorf("write the cell program: %w", err)
	}
	bin := filepath.Join(w.dir, "bin", key[:24])
	env := w.Env(b.Env, b.Flags)
	base, planKey, record := w.replayable(b, env)
	var failed *plan // a plan whose replay failed
	if record {
		w.mu.Lock()
		p := w.plans[planKey]
		w.mu.Unlock()
		if p != nil {
			err := w.replay(ctx, p, pkgDir, bin, env)
			if err == nil {
				return w.add(key, bin, func(s *BuildStats) { s.Replays++ }), nil
			}
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			// A compile error, or a stale plan (an archive gone from the
			// build cache): the go command builds the program, or reports
			// its errors as always. The plan goes unless go build fails
			// too.
			w.mu.Lock()
			if w.plans[planKey] == p {
				delete(w.plans, planKey)
			}
			w.stats.Fallbacks++
			w.mu.Unlock()
			os.RemoveAll(filepath.Join(pkgDir, "_work"))
			record, failed = false, p
		}
	}
	out, err := w.goBuild(ctx, pkgDir, bin, b.Flags, env, record)
	if err != nil && record {
		// Build again without -x, for the go command's own words.
		record = false
		out, err = w.goBuild(ctx, pkgDir, bin, b.Flags, env, false)
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if failed != nil {
			// The program does not compile; the plan may be good still.
			w.mu.Lock()
			if _, ok := w.plans[planKey]; !ok {
				w.plans[planKey] = failed
			}
			w.mu.Unlock()
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", &BuildError{Output: out, Err: err}
		}
		return "", fmt.Errorf("run %s: %w (install Go %s or later, or put it on PATH)", w.Go(), err, strings.TrimPrefix(MinGo, "go"))
	}
	if record {
		// The go command may have changed go.mod or go.sum: the plan is
		// for the module as the build left it.
		base, planKey, record = w.replayable(b, env)
		w.mu.Lock()
		c, known := w.common[base]
		w.mu.Unlock()
		if p := w.recordPlan(ctx, out, pkgDir, b.Flags, env, c, known); p != nil && record {
			w.mu.Lock()
			w.plans[planKey] = p
			w.common[base] = p.common
			w.mu.Unlock()
		}
	}
	return w.add(key, bin, func(s *BuildStats) { s.GoBuilds++ }), nil
}

// goBuild runs go build for the program in pkgDir, with -x when trace is
// set, and returns its output.
func (w *Workspace) goBuild(ctx context.Context, pkgDir, bin string, flags, env []string, trace bool) ([]byte, error) {
	var x []string
	if trace {
		x = []string{"-x"}
	}
	cmd := exec.CommandContext(ctx, w.Go(), buildArgs(bin, flags, x...)...)
	cmd.Dir = pkgDir
	cmd.Env = env
	procgroup.Set(cmd) // an interrupted build leaves no compile running
	out, err := cmd.CombinedOutput()
	procgroup.End(cmd)
	return out, err
}

// buildArgs returns the arguments of go build for the program in the
// current directory, built into bin with extra go build flags and the
// flags more (such as -x).
func buildArgs(bin string, flags []string, more ...string) []string {
	args := append([]string{"build", "-ldflags=-s -w", "-o", bin}, BuildFlags(flags)...)
	return append(append(args, more...), ".")
}

// add caches the binary bin of the program with key, counts its build
// with count, and returns bin.
func (w *Workspace) add(key, bin string, count func(*BuildStats)) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	count(&w.stats)
	w.built[key] = bin
	w.order = append(w.order, key)
	for len(w.order) > w.keep {
		old := w.order[0]
		w.order = w.order[1:]
		if p, ok := w.built[old]; ok && p != bin {
			os.Remove(p)
		}
		delete(w.built, old)
	}
	return bin
}

// scratchDir names the directory, in a workspace, of the go commands'
// scratch directories. The go command ignores names that start with a
// dot.
const scratchDir = ".gotmp"

// Env returns the environment of a go command run on the workspace (a
// build, go list, gopls) with extra environment and flags: BuildEnv's,
// with the go command's scratch directories (GOTMPDIR) inside the
// workspace, unless the kernel's environment sets GOTMPDIR. A go command
// killed mid-build cannot remove its scratch directory; inside the
// workspace, it goes when the workspace does, and not into TMPDIR.
func (w *Workspace) Env(extra, flags []string) []string {
	w.scratchOnce.Do(func() { w.scratch = makeScratch(w.dir) })
	return BuildEnv(append(scratchEnv(w.scratch), extra...), flags)
}

// makeScratch creates the go commands' scratch directory in dir and
// returns its path; it returns "" when the kernel's environment sets
// GOTMPDIR, or when the directory cannot be created (the go command then
// uses TMPDIR).
func makeScratch(dir string) string {
	if os.Getenv("GOTMPDIR") != "" {
		return ""
	}
	d := filepath.Join(dir, scratchDir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return ""
	}
	return d
}

// scratchEnv returns the environment that points the go command at the
// scratch directory made by makeScratch: none for "".
func scratchEnv(scratch string) []string {
	if scratch == "" {
		return nil
	}
	return []string{"GOTMPDIR=" + scratch}
}

// BuildEnv returns the environment of the go command for a build with
// extra environment and flags. Where a Workspace is at hand, use its Env.
func BuildEnv(extra, flags []string) []string {
	env := os.Environ()
	// Cells build with the local toolchain, outside any go.work, and
	// statically unless they ask for cgo (the race detector needs it).
	cgo := "CGO_ENABLED=0"
	for _, f := range flags {
		if f == "-race" || f == "-msan" || f == "-asan" {
			cgo = "CGO_ENABLED=1"
		}
	}
	env = append(env, "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false", cgo)
	return append(env, extra...)
}

func buildKey(b Build) string {
	h := sha256.New()
	h.Write(b.Source)
	for _, list := range [][]string{b.Flags, b.Env} {
		h.Write([]byte{0})
		for _, s := range list {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
