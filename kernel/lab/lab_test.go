package lab_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/lab"
)

// env is a fake environment: the programs on PATH and a record of what ran.
type env struct {
	installed  []string
	installErr error
	execErr    error
	installs   int
	ran        []string // "path args... @ dir"
}

func (e *env) lookPath(file string) (string, error) {
	if slices.Contains(e.installed, file) {
		return "/opt/bin/" + file, nil
	}
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
}

func (e *env) exec(ctx context.Context, path string, args []string, dir string) error {
	e.ran = append(e.ran, strings.Join(append([]string{path}, args...), " ")+" @ "+dir)
	return e.execErr
}

func (e *env) install() error {
	e.installs++
	return e.installErr
}

func TestCommand(t *testing.T) {
	root := t.TempDir()
	course := filepath.Join(root, "course")
	nbDir := filepath.Join(course, "notebooks")
	sub := filepath.Join(course, "kernel", "cmd")
	other := filepath.Join(root, "elsewhere")
	for _, d := range []string{nbDir, sub, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(root, "file.txt")
	os.WriteFile(file, nil, 0o644)

	tests := []struct {
		name     string
		env      env
		args     []string
		workDir  string
		exe      string
		code     int
		ran      []string
		installs int
		stderr   string // regular expression
	}{
		{name: "lab in the notebooks directory", env: env{installed: []string{"jupyter-lab", "jupyter-notebook"}},
			workDir: course, code: 0, ran: []string{"/opt/bin/jupyter-lab @ " + nbDir}, installs: 1,
			stderr: `starting jupyter-lab in ` + regexp.QuoteMeta(nbDir)},
		{name: "found from a subdirectory", env: env{installed: []string{"jupyter-lab"}},
			workDir: sub, code: 0, ran: []string{"/opt/bin/jupyter-lab @ " + nbDir}, installs: 1},
		{name: "found next to the binary", env: env{installed: []string{"jupyter-lab"}},
			workDir: other, exe: filepath.Join(sub, "gokernel"), code: 0, ran: []string{"/opt/bin/jupyter-lab @ " + nbDir}, installs: 1},
		{name: "falls back to notebook", env: env{installed: []string{"jupyter-notebook"}},
			args: []string{other}, code: 0, ran: []string{"/opt/bin/jupyter-notebook @ " + other}, installs: 1},
		{name: "classic preferred", env: env{installed: []string{"jupyter-lab", "jupyter-notebook"}},
			args: []string{"--classic", other}, code: 0, ran: []string{"/opt/bin/jupyter-notebook @ " + other}, installs: 1},
		{name: "arguments pass through", env: env{installed: []string{"jupyter-lab"}},
			args: []string{other, "--", "--port", "8899", "--no-browser", "extra"}, code: 0,
			ran: []string{"/opt/bin/jupyter-lab --port 8899 --no-browser extra @ " + other}, installs: 1},
		{name: "no jupyter", env: env{}, args: []string{other}, code: 1,
			stderr: `(?s)neither JupyterLab nor Jupyter Notebook is installed \(looked for jupyter-lab and jupyter-notebook on PATH\).*pip install jupyterlab.*apt-get install jupyter-notebook.*Docker.*Binder`},
		{name: "install fails", env: env{installed: []string{"jupyter-lab"}, installErr: errors.New("permission denied")},
			args: []string{other}, code: 1, installs: 1, stderr: `installing the gokernel kernel spec for Jupyter: permission denied`},
		{name: "jupyter fails", env: env{installed: []string{"jupyter-lab"}, execErr: errors.New("exit status 3")},
			args: []string{other}, code: 1, installs: 1, ran: []string{"/opt/bin/jupyter-lab @ " + other}, stderr: `gokernel lab: jupyter-lab: exit status 3`},
		{name: "no notebooks directory", env: env{installed: []string{"jupyter-lab"}}, workDir: other, exe: filepath.Join(other, "gokernel"), code: 1,
			stderr: `(?s)cannot find the course's notebooks directory; looked in:\n    ` + regexp.QuoteMeta(filepath.Join(other, "notebooks")) + `\n.*Name it: gokernel lab DIR`},
		{name: "directory does not exist", env: env{installed: []string{"jupyter-lab"}}, args: []string{filepath.Join(root, "nope")}, code: 1, stderr: `cannot open the notebooks directory: .*no such file`},
		{name: "not a directory", env: env{installed: []string{"jupyter-lab"}}, args: []string{file}, code: 1, stderr: `file\.txt is not a directory`},
		{name: "two directories", env: env{installed: []string{"jupyter-lab"}}, args: []string{other, nbDir}, code: 2, stderr: `one directory at most.*put Jupyter's arguments after --`},
		{name: "unknown flag", env: env{installed: []string{"jupyter-lab"}}, args: []string{"--port", "1"}, code: 2, stderr: `flag provided but not defined: -port`},
		{name: "help", args: []string{"-h"}, code: 0, stderr: `(?s)usage: gokernel lab.*-- --port 8899 --no-browser.*-classic`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.env
			var stdout, stderr bytes.Buffer
			exe := tt.exe
			if exe == "" {
				exe = filepath.Join(other, "bin", "gokernel")
			}
			workDir := tt.workDir
			if workDir == "" {
				workDir = other
			}
			cmd := lab.Command{Options: lab.Options{
				Install: e.install, WorkDir: workDir, Executable: exe,
				LookPath: e.lookPath, Exec: e.exec, Stdout: &stdout, Stderr: &stderr,
			}}
			code := cmd.Run(context.Background(), tt.args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.code, &stderr)
			}
			if !slices.Equal(e.ran, tt.ran) {
				t.Errorf("ran %q, want %q", e.ran, tt.ran)
			}
			if e.installs != tt.installs {
				t.Errorf("kernel spec installed %d times, want %d", e.installs, tt.installs)
			}
			if !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr does not match %s:\n%s", tt.stderr, &stderr)
			}
		})
	}
}

func TestRunRealProcess(t *testing.T) {
	// The default Exec runs a real program in the directory: a shell
	// script standing in for jupyter-lab prints its directory and
	// arguments.
	bin := t.TempDir()
	script := filepath.Join(bin, "jupyter-lab")
	if err := os.WriteFile(script, []byte("#!/bin/sh\npwd\necho \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := lab.Run(context.Background(), lab.Options{
		Dir: dir, JupyterArgs: []string{"--no-browser", "x y"},
		LookPath: func(file string) (string, error) {
			if file == "jupyter-lab" {
				return script, nil
			}
			return "", exec.ErrNotFound
		},
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if got := stdout.String(); got != real+"\n--no-browser x y\n" && got != dir+"\n--no-browser x y\n" {
		t.Errorf("jupyter-lab printed %q, want its directory and arguments", got)
	}
}
