package nbrun_test

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ipynb")
	bad := filepath.Join(dir, "bad.ipynb")
	writeNotebook(t, good, code("out fine"))
	writeNotebook(t, bad, code("out before"), code("raise panic boom"))
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string // regular expressions
	}{
		{"ok", []string{good}, 0, `(?m)good\.ipynb\s+1\s+ok\s+\d+\.\ds$`, `(?m)^ok    .*good\.ipynb \(1 cells, \d+\.\ds\)$`},
		{"failure", []string{"-j", "2", good, bad}, 1, `(?s)FAIL .*bad\.ipynb: cell 2: panic: boom\n.*2 notebooks, 3 cells run, 1 failed, 0 differ`, `FAIL  .*bad\.ipynb \(2 cells`},
		{"flags after paths", []string{good, "--timeout", "1m", "-check"}, 0, `1 notebooks, 1 cells run`, ``},
		{"dash dash", []string{"--", good}, 0, `1 notebooks`, ``},
		{"help", []string{"-h"}, 0, `^$`, `(?s)usage: gokernel run.*nondeterministic.*<duration>.*-timeout D`},
		{"no paths", []string{"--check"}, 2, `^$`, `gokernel run: no notebooks given.*\nRun 'gokernel run -h' for help`},
		{"bad jobs", []string{"-j", "0", good}, 2, `^$`, `-j 0: need at least 1`},
		{"negative timeout", []string{"--timeout=-1s", good}, 2, `^$`, `--timeout -1s: must not be negative`},
		{"check and out", []string{"--check", "-o", dir, good}, 2, `^$`, `--check writes no notebooks: drop -o`},
		{"unknown flag", []string{"--frobnicate", good}, 2, `^$`, `flag provided but not defined: -frobnicate`},
		{"bad duration", []string{"--timeout", "soon", good}, 2, `^$`, `invalid value "soon" for flag -timeout`},
		{"missing notebook", []string{filepath.Join(dir, "nope.ipynb")}, 2, `^$`, `cannot read notebook: .*no such file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := nbrun.Command{Stdout: &stdout, Stderr: &stderr, Start: (&fakeKernels{}).Start}
			code := cmd.Run(context.Background(), tt.args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			if !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
				t.Errorf("stdout does not match %s:\n%s", tt.stdout, &stdout)
			}
			if !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr does not match %s:\n%s", tt.stderr, &stderr)
			}
		})
	}
}

func TestLiveProgress(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.ipynb", "b.ipynb"} {
		writeNotebook(t, filepath.Join(dir, name), code("out 1"), code("out 2"))
	}
	var progress bytes.Buffer
	sum, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{dir}, Jobs: 2, Start: (&fakeKernels{}).Start, Progress: &progress, Live: true})
	if err != nil || sum.Failed() != 0 {
		t.Fatalf("Run: %v, %d failed", err, sum.Failed())
	}
	text := progress.String()
	for _, re := range []string{`a\.ipynb: cell [12] of 2, \d+\.\ds\n`, `\x1b\[\dF\x1b\[J`, `ok    .*a\.ipynb \(2 cells`, `ok    .*b\.ipynb \(2 cells`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("live progress does not match %q:\n%q", re, text)
		}
	}
	// The screen ends with the finished lines only: the last redraw
	// clears the running lines.
	if !strings.HasSuffix(text, "\x1b[J") {
		t.Errorf("live progress does not end by clearing its lines: %q", text[max(0, len(text)-40):])
	}
}

func TestRunUpgradesToNBFormat45(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.ipynb")
	writeNotebook(t, path, code("out x"), code("md:text"))
	nb, _ := notebook.ReadFile(path)
	nb.NBFormatMinor = 4
	for _, c := range nb.Cells {
		c.ID = ""
	}
	notebook.WriteFile(path, nb)
	if _, err := nbrun.Run(context.Background(), nbrun.Options{Paths: []string{path}, Start: (&fakeKernels{}).Start}); err != nil {
		t.Fatal(err)
	}
	nb, err := notebook.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if nb.NBFormatMinor != 5 || !notebook.ValidID(nb.Cells[0].ID) || !notebook.ValidID(nb.Cells[1].ID) {
		t.Errorf("written notebook is %d.%d with ids %q, %q; want 4.5 with valid ids", nb.NBFormat, nb.NBFormatMinor, nb.Cells[0].ID, nb.Cells[1].ID)
	}
}
