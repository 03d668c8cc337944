package runner

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"asyncgo/kernel/procgroup"
)

// superviseSource is package supervise and the small supervisor's main
// package, built into a binary of their own (see Supervisors).
//
//go:embed supervise/*.go supervise/cellsupervisor/*.go
var superviseSource embed.FS

// supervisorMain is the small supervisor's main package in the module
// it is built in.
const supervisorMain = "./kernel/runner/supervise/cellsupervisor"

// SupervisorOptions configure Supervisors. The zero value is ready to use.
type SupervisorOptions struct {
	// Go is the go command that builds the small supervisor (with
	// GOTOOLCHAIN=local). Empty means FindGo.
	Go string
	// CacheDir is where the small supervisor is kept. Empty means
	// CacheDir().
	CacheDir string
	// Fallback is the supervisor to use until the small one is built: a
	// binary that calls Supervise when its first argument is SuperviseArg
	// (gokernel). Empty means none.
	Fallback string
	// Built, if set, is called when a background build started by Path
	// ends, with the binary or the error.
	Built func(bin string, err error)
}

// Supervisors hands out the cell supervisor (RunOptions.Supervisor): a
// small binary of the standard library only, built from package
// supervise once per toolchain into the cache, which starts in about a
// millisecond of processor time; until it is built, the fallback binary,
// which does the same work but costs more to start (gokernel's size). Its
// methods are safe for concurrent use.
type Supervisors struct {
	opts SupervisorOptions

	mu  sync.Mutex
	bin string // the built binary, once found

	// A binary that is not built yet is built in the background, once;
	// Close stops that build and waits for it.
	bg BackgroundBuild
}

// NewSupervisors returns Supervisors that use the binary built with the
// options' go command in the options' cache directory.
func NewSupervisors(opts SupervisorOptions) *Supervisors {
	if opts.Go == "" {
		opts.Go = FindGo()
	}
	return &Supervisors{opts: opts}
}

// Path returns the supervisor for the next cell program: the small binary
// when it is built (by this process, an earlier kernel or gokernel
// install), else the fallback. In that case it starts building the small
// one in the background (once) and returns at once: no cell waits for the
// build.
func (s *Supervisors) Path() string {
	// Build holds the lock while it builds: then the binary is not ready.
	if s.mu.TryLock() {
		if s.bin != "" {
			if _, err := os.Stat(s.bin); err != nil {
				s.bin = "" // removed from the cache
			}
		}
		if s.bin == "" {
			if bin, err := s.binPath(); err == nil {
				if _, err := os.Stat(bin); err == nil {
					s.bin = bin
				}
			}
		}
		bin := s.bin
		s.mu.Unlock()
		if bin != "" {
			return bin
		}
	}
	s.bg.Start(func(ctx context.Context) {
		bin, err := s.Build(ctx)
		if s.opts.Built != nil && ctx.Err() == nil {
			s.opts.Built(bin, err)
		}
	})
	return s.opts.Fallback
}

// Close stops a background build started by Path and waits for it to end.
func (s *Supervisors) Close() error {
	s.bg.Close()
	return nil
}

// Build builds the small supervisor, unless it is in the cache already,
// and returns its path. gokernel install calls it, so kernels never wait.
func (s *Supervisors) Build(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bin, err := s.binPath()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		s.bin = bin
		return bin, nil
	}
	if err := buildSupervisor(ctx, s.opts.Go, bin); err != nil {
		return "", err
	}
	s.bin = bin
	return bin, nil
}

// binPath returns where the small supervisor built from this gokernel's
// source with the go command's toolchain is kept: its name is a hash of
// both.
func (s *Supervisors) binPath() (string, error) {
	dir := s.opts.CacheDir
	if dir == "" {
		d, err := CacheDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	tc, err := localToolchain(s.opts.Go)
	if err != nil {
		return "", err
	}
	name, err := CachedName("cell-supervisor", tc, superviseSource)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// localToolchain names the toolchain that goCmd runs with
// GOTOOLCHAIN=local, without starting it when it can: the path of the go
// binary and the VERSION file of its GOROOT. Paths differ from one
// kernel process to the next only when the toolchain does.
func localToolchain(goCmd string) (string, error) {
	p, err := exec.LookPath(goCmd)
	if err == nil {
		p, err = filepath.EvalSymlinks(p)
	}
	if err != nil {
		return "", fmt.Errorf("find the go command %s: %w", goCmd, err)
	}
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(p)), "VERSION")); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		return p + " " + strings.TrimSpace(first), nil
	}
	cmd := exec.Command(p, "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("ask %s env GOVERSION: %w", p, err)
	}
	return p + " " + strings.TrimSpace(string(out)), nil
}

// buildSupervisor writes the small supervisor's source into a module of
// its own (named asyncgo, as the import paths say) and builds it to bin:
// without cgo, stripped, with the go command's own toolchain.
func buildSupervisor(ctx context.Context, goCmd, bin string) error {
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return fmt.Errorf("create the cache for the cell supervisor: %w", err)
	}
	dir, err := os.MkdirTemp(filepath.Dir(bin), "cell-supervisor-src-")
	if err != nil {
		return fmt.Errorf("write the cell supervisor's source: %w", err)
	}
	defer os.RemoveAll(dir)
	files := map[string][]byte{"go.mod": []byte("module asyncgo\n\ngo " + strings.TrimPrefix(MinGo, "go") + "\n")}
	err = fs.WalkDir(superviseSource, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := superviseSource.ReadFile(p)
		files["kernel/runner/"+p] = data
		return err
	})
	if err != nil {
		return fmt.Errorf("read the cell supervisor's source: %w", err)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write the cell supervisor's source: %w", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write the cell supervisor's source: %w", err)
		}
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, supervisorMain)
	cmd.Dir = dir
	// BuildEnv: CGO_ENABLED=0, GOTOOLCHAIN=local, no go.work. The go
	// command's scratch directory goes with dir, should it be killed.
	cmd.Env = BuildEnv(scratchEnv(makeScratch(dir)), nil)
	procgroup.Set(cmd)
	out, err := cmd.CombinedOutput()
	procgroup.End(cmd)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build the cell supervisor: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("install the cell supervisor: %w", err)
	}
	return nil
}
