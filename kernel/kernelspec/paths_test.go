package kernelspec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// env returns a LookupEnv function over a fixed set of variables.
func env(vars map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := vars[key]
		return v, ok
	}
}

func TestDataDir(t *testing.T) {
	tests := []struct {
		name string
		goos string
		home string
		vars map[string]string
		want string
	}{
		{"linux default", "linux", "/home/ada", nil, "/home/ada/.local/share/jupyter"},
		{"linux XDG_DATA_HOME", "linux", "/home/ada", map[string]string{"XDG_DATA_HOME": "/xdg/data"}, "/xdg/data/jupyter"},
		{"linux empty XDG_DATA_HOME is ignored", "linux", "/home/ada", map[string]string{"XDG_DATA_HOME": ""}, "/home/ada/.local/share/jupyter"},
		{"linux JUPYTER_DATA_DIR wins", "linux", "/home/ada", map[string]string{"JUPYTER_DATA_DIR": "/jd", "XDG_DATA_HOME": "/xdg"}, "/jd"},
		{"linux empty JUPYTER_DATA_DIR is ignored", "linux", "/home/ada", map[string]string{"JUPYTER_DATA_DIR": ""}, "/home/ada/.local/share/jupyter"},
		{"freebsd is like linux", "freebsd", "/usr/home/ada", nil, "/usr/home/ada/.local/share/jupyter"},
		{"macOS default", "darwin", "/Users/ada", nil, "/Users/ada/Library/Jupyter"},
		{"macOS ignores XDG_DATA_HOME", "darwin", "/Users/ada", map[string]string{"XDG_DATA_HOME": "/xdg"}, "/Users/ada/Library/Jupyter"},
		{"macOS JUPYTER_DATA_DIR", "darwin", "/Users/ada", map[string]string{"JUPYTER_DATA_DIR": "/Volumes/j"}, "/Volumes/j"},
		{"windows APPDATA", "windows", `C:\Users\ada`, map[string]string{"APPDATA": `C:\Users\ada\AppData\Roaming`}, `C:\Users\ada\AppData\Roaming\jupyter`},
		{"windows without APPDATA uses the config dir", "windows", `C:\Users\ada`, nil, `C:\Users\ada\.jupyter\data`},
		{"windows without APPDATA, JUPYTER_CONFIG_DIR", "windows", `C:\Users\ada`, map[string]string{"JUPYTER_CONFIG_DIR": `D:\cfg`}, `D:\cfg\data`},
		{"windows JUPYTER_DATA_DIR", "windows", `C:\Users\ada`, map[string]string{"JUPYTER_DATA_DIR": `D:\jd`, "APPDATA": `C:\x`}, `D:\jd`},
		{"platformdirs on linux", "linux", "/home/ada", map[string]string{"JUPYTER_PLATFORM_DIRS": "1"}, "/home/ada/.local/share/jupyter"},
		{"platformdirs on macOS", "darwin", "/Users/ada", map[string]string{"JUPYTER_PLATFORM_DIRS": "yes"}, "/Users/ada/Library/Application Support/Jupyter"},
		{"platformdirs on windows", "windows", `C:\Users\ada`, map[string]string{"JUPYTER_PLATFORM_DIRS": "true", "LOCALAPPDATA": `C:\Users\ada\AppData\Local`}, `C:\Users\ada\AppData\Local\Jupyter`},
		{"JUPYTER_PLATFORM_DIRS=0 is off", "darwin", "/Users/ada", map[string]string{"JUPYTER_PLATFORM_DIRS": "0"}, "/Users/ada/Library/Jupyter"},
		{"JUPYTER_PLATFORM_DIRS=Off is off", "darwin", "/Users/ada", map[string]string{"JUPYTER_PLATFORM_DIRS": "Off"}, "/Users/ada/Library/Jupyter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Platform{GOOS: tt.goos, Home: tt.home, LookupEnv: env(tt.vars)}
			got, err := p.DataDir()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DataDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDataDirWithoutHome(t *testing.T) {
	p := Platform{GOOS: "linux", LookupEnv: env(nil)}
	if _, err := p.DataDir(); err == nil || !strings.Contains(err.Error(), "JUPYTER_DATA_DIR") {
		t.Errorf("DataDir() with no home: err = %v, want one that suggests JUPYTER_DATA_DIR", err)
	}
	p.LookupEnv = env(map[string]string{"JUPYTER_DATA_DIR": "/jd"})
	if got, err := p.DataDir(); err != nil || got != "/jd" {
		t.Errorf("DataDir() = %q, %v; want /jd", got, err)
	}
}

func TestPrefixDataDir(t *testing.T) {
	tests := []struct {
		goos, prefix, want string
	}{
		{"linux", "/opt/conda", "/opt/conda/share/jupyter"},
		{"linux", "/opt/conda/", "/opt/conda/share/jupyter"},
		{"windows", `C:\Miniconda3`, `C:\Miniconda3\share\jupyter`},
	}
	for _, tt := range tests {
		p := Platform{GOOS: tt.goos}
		if got := p.PrefixDataDir(tt.prefix); got != tt.want {
			t.Errorf("%s: PrefixDataDir(%q) = %q, want %q", tt.goos, tt.prefix, got, tt.want)
		}
	}
}

// writeFile creates a file with the given content and mode, and its
// parent directories.
func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func TestSysPrefix(t *testing.T) {
	root := t.TempDir()
	// A fake Python that answers the sys.prefix question for a system
	// installation whose prefix has no marker.
	fakePython := filepath.Join(root, "python", "bin", "python3")
	writeFile(t, fakePython, "#!/bin/sh\n[ \"$1\" = -c ] && echo "+filepath.Join(root, "system")+"\n", 0o755)
	jupyterScript := "#!" + fakePython + "\nimport sys\n"

	// venv: DIR/bin/jupyter with DIR/pyvenv.cfg.
	writeFile(t, filepath.Join(root, "venv", "pyvenv.cfg"), "home = /usr/bin\n", 0o644)
	writeFile(t, filepath.Join(root, "venv", "bin", "jupyter"), jupyterScript, 0o755)
	// conda: DIR/bin/jupyter with DIR/conda-meta.
	if err := os.MkdirAll(filepath.Join(root, "conda", "conda-meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "conda", "bin", "jupyter"), jupyterScript, 0o755)
	// An environment named by CONDA_PREFIX, without markers.
	writeFile(t, filepath.Join(root, "named", "bin", "jupyter"), jupyterScript, 0o755)
	// A system jupyter: the prefix comes from its interpreter.
	writeFile(t, filepath.Join(root, "usr", "bin", "jupyter"), jupyterScript, 0o755)
	// pip's form for interpreters with long paths.
	writeFile(t, filepath.Join(root, "long", "tools", "jupyter"),
		"#!/bin/sh\n'''exec' \""+fakePython+"\" \"$0\" \"$@\"\n' '''\nimport sys\n", 0o755)
	// A link to the venv's jupyter from another directory.
	if err := os.MkdirAll(filepath.Join(root, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "venv", "bin", "jupyter"), filepath.Join(root, "links", "jupyter")); err != nil {
		t.Fatal(err)
	}
	// Not executable, so not a command.
	writeFile(t, filepath.Join(root, "noexec", "jupyter"), jupyterScript, 0o644)
	// No #! line.
	writeFile(t, filepath.Join(root, "nobang", "jupyter"), "import sys\n", 0o755)

	tests := []struct {
		name    string
		path    []string
		vars    map[string]string
		want    string
		wantErr string
	}{
		{name: "venv marker", path: []string{"venv/bin"}, want: "venv"},
		{name: "conda-meta marker", path: []string{"conda/bin"}, want: "conda"},
		{name: "CONDA_PREFIX", path: []string{"named/bin"}, vars: map[string]string{"CONDA_PREFIX": "named"}, want: "named"},
		{name: "VIRTUAL_ENV", path: []string{"named/bin"}, vars: map[string]string{"VIRTUAL_ENV": "named"}, want: "named"},
		{name: "system jupyter asks its interpreter", path: []string{"usr/bin"}, want: "system"},
		{name: "pip exec form", path: []string{"long/tools"}, want: "system"},
		{name: "symbolic link is resolved", path: []string{"links"}, want: "venv"},
		{name: "first on PATH wins", path: []string{"empty", "conda/bin", "venv/bin"}, want: "conda"},
		{name: "non-executable file is skipped", path: []string{"noexec", "venv/bin"}, want: "venv"},
		{name: "no jupyter", path: []string{"empty"}, wantErr: "no `jupyter` command on PATH"},
		{name: "no #! line", path: []string{"nobang"}, wantErr: "no #! line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dirs []string
			for _, d := range tt.path {
				dirs = append(dirs, filepath.Join(root, d))
			}
			vars := map[string]string{"PATH": strings.Join(dirs, string(os.PathListSeparator))}
			for k, v := range tt.vars {
				vars[k] = filepath.Join(root, v)
			}
			p := Platform{GOOS: "linux", Home: root, LookupEnv: env(vars)}
			got, err := p.SysPrefix(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SysPrefix() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tt.want); got != want {
				t.Errorf("SysPrefix() = %q, want %q", got, want)
			}
		})
	}
}

// TestSysPrefixOfHostJupyter checks SysPrefix against the answer of the
// Python behind the real `jupyter`, when there is one.
func TestSysPrefixOfHostJupyter(t *testing.T) {
	p, err := HostPlatform()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.lookJupyter(); err != nil {
		requireJupyter(t)
	}
	got, err := p.SysPrefix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := runJupyter(t, nil, "--paths", "--json")
	if !strings.Contains(out, filepath.Join(got, "share", "jupyter")) {
		t.Errorf("SysPrefix() = %q, but `jupyter --paths` does not list %s/share/jupyter:\n%s", got, got, out)
	}
}
