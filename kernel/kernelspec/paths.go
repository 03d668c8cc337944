package kernelspec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Platform is the part of the machine that decides where Jupyter keeps its
// files: the operating system, the environment variables and the user's home
// directory. Functions of this package read the machine only through a
// Platform, so tests can describe any system (macOS or Windows paths
// included) while running on Linux.
//
// The zero Platform is not usable; use [HostPlatform] for the running
// process, or fill every field.
type Platform struct {
	// GOOS names the operating system, as runtime.GOOS does: "linux",
	// "darwin", "windows", ...
	GOOS string
	// LookupEnv reports the value of an environment variable and whether it
	// is set, like os.LookupEnv.
	LookupEnv func(key string) (string, bool)
	// Home is the user's home directory, with symbolic links resolved (as
	// jupyter_core resolves it).
	Home string
}

// HostPlatform returns the Platform of the running process: runtime.GOOS,
// os.LookupEnv and the user's home directory with symbolic links resolved.
func HostPlatform() (Platform, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Platform{}, fmt.Errorf("kernelspec: cannot find the home directory (set HOME, or JUPYTER_DATA_DIR to choose the Jupyter data directory): %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(home); err == nil {
		home = resolved
	}
	return Platform{GOOS: runtime.GOOS, LookupEnv: os.LookupEnv, Home: home}, nil
}

// getenv returns the value of key, or "" when it is unset.
func (p Platform) getenv(key string) string {
	if p.LookupEnv == nil {
		return ""
	}
	v, _ := p.LookupEnv(key)
	return v
}

// envSet reports whether the environment variable key is set to a value
// that jupyter_core treats as true: anything but no, n, false, off, 0 or
// 0.0 (in any case). An unset variable is false.
func (p Platform) envSet(key string) bool {
	if p.LookupEnv == nil {
		return false
	}
	v, ok := p.LookupEnv(key)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "no", "n", "false", "off", "0", "0.0":
		return false
	}
	return true
}

// join joins path elements with the separator of p.GOOS, so that Windows
// paths computed on Linux (in tests) look as they would on Windows.
func (p Platform) join(elem ...string) string {
	if p.GOOS != "windows" {
		return filepath.ToSlash(filepath.Join(elem...))
	}
	var parts []string
	for i, e := range elem {
		e = strings.ReplaceAll(e, "/", `\`)
		if i > 0 {
			e = strings.TrimLeft(e, `\`)
		}
		if i < len(elem)-1 {
			e = strings.TrimRight(e, `\`)
		}
		if e != "" {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, `\`)
}

// DataDir returns the user's Jupyter data directory, computed the way
// jupyter_core's jupyter_data_dir does it:
//
//   - JUPYTER_DATA_DIR, when set and not empty;
//   - with JUPYTER_PLATFORM_DIRS set to a true value, the platformdirs user
//     data directory: $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter on
//     Linux and other Unix, ~/Library/Application Support/Jupyter on macOS,
//     %LOCALAPPDATA%\Jupyter on Windows;
//   - otherwise ~/Library/Jupyter on macOS; %APPDATA%\jupyter on Windows
//     (or the Jupyter config directory's "data" subdirectory when APPDATA
//     is empty: %JUPYTER_CONFIG_DIR%\data or ~\.jupyter\data); and
//     $XDG_DATA_HOME/jupyter, or ~/.local/share/jupyter when XDG_DATA_HOME
//     is empty, on Linux and every other system.
//
// Kernel specs live in its "kernels" subdirectory.
func (p Platform) DataDir() (string, error) {
	if d := p.getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if p.Home == "" {
		return "", errors.New("kernelspec: the home directory is unknown, so the Jupyter data directory cannot be found; set JUPYTER_DATA_DIR")
	}
	if p.envSet("JUPYTER_PLATFORM_DIRS") {
		return p.platformDataDir(), nil
	}
	switch p.GOOS {
	case "darwin", "ios":
		return p.join(p.Home, "Library", "Jupyter"), nil
	case "windows":
		if appdata := p.getenv("APPDATA"); appdata != "" {
			return p.join(appdata, "jupyter"), nil
		}
		return p.join(p.configDir(), "data"), nil
	default:
		base := p.getenv("XDG_DATA_HOME")
		if base == "" {
			base = p.join(p.Home, ".local", "share")
		}
		return p.join(base, "jupyter"), nil
	}
}

// platformDataDir is the user data directory that the platformdirs Python
// package gives for the application "Jupyter" (jupyter_core's choice when
// JUPYTER_PLATFORM_DIRS is true).
func (p Platform) platformDataDir() string {
	switch p.GOOS {
	case "darwin", "ios":
		return p.join(p.Home, "Library", "Application Support", "Jupyter")
	case "windows":
		base := p.getenv("LOCALAPPDATA")
		if base == "" {
			base = p.join(p.Home, "AppData", "Local")
		}
		return p.join(base, "Jupyter")
	default:
		base := p.getenv("XDG_DATA_HOME")
		if base == "" {
			base = p.join(p.Home, ".local", "share")
		}
		return p.join(base, "jupyter")
	}
}

// configDir is jupyter_core's jupyter_config_dir without platformdirs:
// JUPYTER_CONFIG_DIR, else ~/.jupyter.
func (p Platform) configDir() string {
	if d := p.getenv("JUPYTER_CONFIG_DIR"); d != "" {
		return d
	}
	return p.join(p.Home, ".jupyter")
}

// PrefixDataDir returns the Jupyter data directory of an installation
// prefix: PREFIX/share/jupyter, the directory that jupyter_core searches for
// a Python environment whose sys.prefix is PREFIX.
func (p Platform) PrefixDataDir(prefix string) string {
	return p.join(prefix, "share", "jupyter")
}

// SysPrefix returns sys.prefix of the Python environment that provides the
// `jupyter` command found on PATH, the prefix that `jupyter kernelspec
// install --sys-prefix` uses. It asks Python only when it must:
//
//  1. It finds `jupyter` on the PATH of p (jupyter.exe on Windows) and
//     resolves symbolic links.
//  2. When the command sits in DIR/bin (DIR\Scripts on Windows) and DIR is
//     $CONDA_PREFIX or $VIRTUAL_ENV, or holds a conda-meta directory
//     (conda), a pyvenv.cfg file (venv, virtualenv) or, on Windows,
//     python.exe, the answer is DIR.
//  3. Otherwise it reads the command's first line (#!INTERPRETER, or, under
//     #!/bin/sh, the exec line that pip writes for long interpreter
//     paths) and runs INTERPRETER -c 'import sys; print(sys.prefix)'. This
//     handles a system Jupyter such as Debian's /usr/bin/jupyter (prefix
//     /usr).
//
// It fails, saying so, when no `jupyter` is on PATH.
func (p Platform) SysPrefix(ctx context.Context) (string, error) {
	cmd, err := p.lookJupyter()
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(cmd); err == nil {
		cmd = resolved
	}
	binDir := filepath.Dir(cmd)
	wantBin := "bin"
	if p.GOOS == "windows" {
		wantBin = "Scripts"
	}
	if strings.EqualFold(filepath.Base(binDir), wantBin) {
		dir := filepath.Dir(binDir)
		for _, key := range []string{"CONDA_PREFIX", "VIRTUAL_ENV"} {
			if v := p.getenv(key); v != "" && sameDir(v, dir) {
				return dir, nil
			}
		}
		markers := []string{"conda-meta", "pyvenv.cfg"}
		if p.GOOS == "windows" {
			markers = append(markers, "python.exe")
		}
		for _, m := range markers {
			if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
				return dir, nil
			}
		}
	}
	interp, err := interpreter(cmd)
	if err != nil {
		return "", err
	}
	args := append(interp[1:], "-c", "import sys; print(sys.prefix)")
	run := exec.CommandContext(ctx, interp[0], args...)
	run.Env = p.environ()
	var stderr bytes.Buffer
	run.Stderr = &stderr
	out, err := run.Output()
	if err != nil {
		return "", fmt.Errorf("kernelspec: cannot ask %s (the interpreter of %s) for sys.prefix: %w: %s; use --prefix DIR instead of --sys-prefix",
			strings.Join(interp, " "), cmd, err, strings.TrimSpace(stderr.String()))
	}
	prefix := strings.TrimSpace(string(out))
	if prefix == "" {
		return "", fmt.Errorf("kernelspec: %s printed no sys.prefix; use --prefix DIR instead of --sys-prefix", strings.Join(interp, " "))
	}
	return prefix, nil
}

// environ returns the environment of p for child processes. Only PATH is
// passed on, with the rest of the host environment, since p.LookupEnv
// cannot list variables.
func (p Platform) environ() []string {
	env := os.Environ()
	if p.LookupEnv == nil {
		return env
	}
	if path, ok := p.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+path)
	}
	return env
}

// lookJupyter finds the jupyter command on the PATH of p.
func (p Platform) lookJupyter() (string, error) {
	names := []string{"jupyter"}
	if p.GOOS == "windows" {
		names = []string{"jupyter.exe", "jupyter"}
	}
	path := p.getenv("PATH")
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		for _, name := range names {
			file := filepath.Join(dir, name)
			info, err := os.Stat(file)
			if err != nil || info.IsDir() {
				continue
			}
			if p.GOOS != "windows" && info.Mode().Perm()&0o111 == 0 {
				continue
			}
			return file, nil
		}
	}
	return "", errors.New("kernelspec: no `jupyter` command on PATH, so there is no Python environment for --sys-prefix; install Jupyter (or activate its environment), or use --user or --prefix DIR")
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return os.SameFile(ia, ib)
}

// interpreter returns the command line that runs the script file, read from
// its #! line.
func interpreter(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("kernelspec: cannot read %s to find its Python: %w", file, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "#!") {
		return nil, fmt.Errorf("kernelspec: %s has no #! line naming its Python; use --prefix DIR instead of --sys-prefix", file)
	}
	fields := strings.Fields(strings.TrimPrefix(lines[0], "#!"))
	if len(fields) == 0 {
		return nil, fmt.Errorf("kernelspec: the #! line of %s is empty; use --prefix DIR instead of --sys-prefix", file)
	}
	// pip writes `#!/bin/sh` and `'''exec' "/long/path/python" "$0" "$@"`
	// when the interpreter path is too long for a #! line.
	if filepath.Base(fields[0]) == "sh" && len(lines) > 1 {
		if rest, ok := strings.CutPrefix(lines[1], "'''exec' "); ok {
			if py, ok := firstWord(rest); ok {
				return []string{py}, nil
			}
		}
	}
	return fields, nil
}

// firstWord returns the first shell word of s, unquoting "..." or '...'.
func firstWord(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if q := s[0]; q == '"' || q == '\'' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", false
		}
		return s[1 : 1+end], true
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], true
	}
	return s, true
}

// isNotExist reports whether err says a file does not exist.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
