package runner

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"asyncgo/kernel/procgroup"
)

// A plan is how the go command built a cell program: its compile and link
// commands and their import configurations, recorded from go build -x.
// A later program with the same build inputs except its main.go is built
// by running them again with the new main.go (a replay), which skips the
// go command's package loading and cache checks.
//
// The strings of a plan hold the recorded build's package directory
// (pkgDir), the import path of its main package (importPath) and its
// scratch directory ($WORK/b001, scratch); a replay puts its own in their
// place.
type plan struct {
	pkgDir, importPath, scratch string

	compile, link cmdLine
	// importcfg and importcfgLink are the contents of the compile's and
	// the link's import configurations.
	importcfg, importcfgLink string
	// env is the go command's environment (go env), which it gives the
	// tools it runs.
	env []string
	// local is a fingerprint of the workspace packages the program links
	// (their directories' files): they are built from source, so a change
	// to one makes the plan stale.
	local string
}

// cmdLine is one tool invocation of a plan.
type cmdLine struct {
	env  []string // NAME=value assignments before the command
	tool string
	args []string
}

// BuildStats count how a workspace's builds were made.
type BuildStats struct {
	// GoBuilds is the programs built by the go command.
	GoBuilds int
	// Replays is the programs built by running the compile and link
	// commands of an earlier go build (see Workspace.Build).
	Replays int
	// Fallbacks is the replays that failed and gave way to the go command.
	Fallbacks int
}

// Stats returns how the workspace's builds were made so far.
func (w *Workspace) Stats() BuildStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// replayable reports whether a build may be replayed, and returns the key
// of its plan: only plain builds (no extra flags, no cgo, no //go:
// directives such as go:embed or go:build) whose imports parse.
func (w *Workspace) replayable(b Build, env []string) (string, bool) {
	if len(b.Flags) > 0 || bytes.Contains(b.Source, []byte("//go:")) {
		return "", false
	}
	for _, e := range b.Env {
		if strings.HasPrefix(e, "CGO_") {
			return "", false
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", b.Source, parser.ImportsOnly)
	if err != nil {
		return "", false
	}
	var imports []string
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil || p == "C" {
			return "", false
		}
		imports = append(imports, p)
	}
	slices.Sort(imports)
	imports = slices.Compact(imports)
	h := sha256.New()
	for _, list := range [][]string{imports, env, {w.Toolchain().Version}} {
		for _, s := range list {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(w.dir, name))
		if err != nil {
			return "", false
		}
		h.Write(data)
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// replay builds the program in pkgDir (its main.go written) into bin
// with plan p. An error means the caller should run the go command.
func (w *Workspace) replay(ctx context.Context, p *plan, pkgDir, bin string, env []string) error {
	if fp, err := w.fingerprint(p.importcfgLink, p.importPath); err != nil || fp != p.local {
		return errors.New("workspace packages changed")
	}
	scratch := filepath.Join(pkgDir, "_work")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return err
	}
	importPath := path.Join(path.Dir(p.importPath), filepath.Base(pkgDir))
	r := strings.NewReplacer(p.pkgDir, pkgDir, p.scratch, scratch, p.importPath, importPath)
	for name, text := range map[string]string{"importcfg": p.importcfg, "importcfg.link": p.importcfgLink} {
		if err := os.WriteFile(filepath.Join(scratch, name), []byte(r.Replace(text)), 0o644); err != nil {
			return err
		}
	}
	env = append(append(slices.Clone(env), p.env...), "PWD="+pkgDir)
	for _, c := range []cmdLine{p.compile, p.link} {
		args := make([]string, len(c.args))
		for i, a := range c.args {
			args[i] = r.Replace(a)
		}
		cmd := exec.CommandContext(ctx, c.tool, args...)
		cmd.Dir = pkgDir
		cmd.Env = append(slices.Clone(env), c.env...)
		procgroup.Set(cmd)
		out, err := cmd.CombinedOutput()
		procgroup.End(cmd)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s: %v: %s", filepath.Base(c.tool), err, out)
		}
	}
	return os.Rename(filepath.Join(scratch, "a.out"), bin)
}

// fingerprint returns a fingerprint of the workspace packages that an
// import configuration names: the names, sizes and modification times of
// the files in their directories, except main's (mainPath). Packages of other modules and of the
// standard library do not change while the kernel runs.
func (w *Workspace) fingerprint(importcfgLink, mainPath string) (string, error) {
	h := sha256.New()
	sc := bufio.NewScanner(strings.NewReader(importcfgLink))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		pkg, ok := strings.CutPrefix(sc.Text(), "packagefile ")
		if !ok {
			continue
		}
		pkg, _, _ = strings.Cut(pkg, "=")
		rel, ok := strings.CutPrefix(pkg, "asyncgo/")
		if !ok || pkg == mainPath {
			continue
		}
		dir := filepath.Join(w.dir, filepath.FromSlash(rel))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s/%s %d %d\n", rel, e.Name(), fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)), sc.Err()
}

// recordPlan reads the output of go build -x that built the program in
// pkgDir, and returns its plan, or nil when it cannot be replayed (for
// example, a dependency was compiled in this build, so its archive is in
// the build's temporary directory, now removed).
func (w *Workspace) recordPlan(ctx context.Context, trace []byte, pkgDir string, env []string) *plan {
	p := &plan{pkgDir: pkgDir}
	var work, dir string
	files := map[string]string{}
	var compiles, links int
	lines := strings.Split(string(trace), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "WORK="):
			work = strings.TrimPrefix(line, "WORK=")
			continue
		case strings.HasPrefix(line, "cat >"):
			name, _, ok := strings.Cut(strings.TrimPrefix(line, "cat >"), " << 'EOF'")
			if !ok {
				return nil
			}
			var text strings.Builder
			for i++; i < len(lines) && lines[i] != "EOF"; i++ {
				text.WriteString(lines[i] + "\n")
			}
			files[name] = text.String()
			continue
		case strings.HasPrefix(line, "cd "):
			dir = strings.TrimPrefix(line, "cd ")
			continue
		}
		c, ok := parseCmdLine(line)
		if !ok || work == "" {
			continue
		}
		for j := range c.args {
			c.args[j] = strings.ReplaceAll(c.args[j], "$WORK", work)
		}
		switch filepath.Base(c.tool) {
		case "compile":
			compiles++
			if dir != pkgDir {
				return nil
			}
			p.compile = c
		case "link":
			links++
			p.link = c
		}
	}
	if work == "" || compiles != 1 || links != 1 {
		return nil
	}
	p.scratch = work + "/b001"
	var ok bool
	if p.compile.args, ok = planArgs(p.compile.args, "-buildid", p.scratch+"/_pkg_.a", p.scratch+"/importcfg"); !ok {
		return nil
	}
	if p.link.args, ok = planArgs(p.link.args, "-buildid=", p.scratch+"/exe/a.out", p.scratch+"/importcfg.link"); !ok {
		return nil
	}
	// The link writes into the scratch directory itself.
	for i, a := range p.link.args {
		if a == p.scratch+"/exe/a.out" {
			p.link.args[i] = p.scratch + "/a.out"
		}
	}
	p.importcfg, ok = files[p.scratch+"/importcfg"]
	if !ok {
		return nil
	}
	p.importcfgLink, ok = files[p.scratch+"/importcfg.link"]
	if !ok {
		return nil
	}
	// Main's import path: the first -trimpath rewrite, pkgDir=>path.
	for i, a := range p.compile.args {
		if a == "-trimpath" && i+1 < len(p.compile.args) {
			first, _, _ := strings.Cut(p.compile.args[i+1], ";")
			if from, to, ok := strings.Cut(first, "=>"); ok && from == pkgDir {
				p.importPath = to
			}
		}
	}
	if p.importPath == "" || !strings.HasPrefix(p.importPath, "asyncgo/") {
		return nil
	}
	// Every archive but main's must outlive the go command: in the
	// build cache, not under $WORK.
	for _, text := range []string{p.importcfg, p.importcfgLink} {
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "packagefile ") && strings.Contains(l, work) && !strings.HasSuffix(l, "="+p.scratch+"/_pkg_.a") {
				return nil
			}
		}
	}
	fp, err := w.fingerprint(p.importcfgLink, p.importPath)
	if err != nil {
		return nil
	}
	p.local = fp
	// The go command runs its tools in the environment go env reports.
	cmd := exec.CommandContext(ctx, w.Go(), "env", "-json")
	cmd.Dir = pkgDir
	cmd.Env = env
	procgroup.Set(cmd)
	out, err := cmd.Output()
	procgroup.End(cmd)
	if err != nil {
		return nil
	}
	var goenv map[string]string
	if json.Unmarshal(out, &goenv) != nil {
		return nil
	}
	for k, v := range goenv {
		p.env = append(p.env, k+"="+v)
	}
	slices.Sort(p.env)
	return p
}

// planArgs returns the arguments of a tool without its build ID flag
// (drop, with its value after it unless drop ends in "="), checking that
// the output and import configuration are the ones expected.
func planArgs(args []string, drop, out, importcfg string) ([]string, bool) {
	var keep []string
	sawOut, sawCfg := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasSuffix(drop, "=") && strings.HasPrefix(a, drop):
			continue
		case a == drop:
			i++
			continue
		case a == "-o" && i+1 < len(args):
			sawOut = args[i+1] == out
		case a == "-importcfg" && i+1 < len(args):
			sawCfg = args[i+1] == importcfg
		}
		keep = append(keep, a)
	}
	return keep, sawOut && sawCfg
}

// parseCmdLine splits a command line printed by go build -x: NAME='value'
// assignments, then the tool, then its arguments, each plain or quoted
// as a Go string. It reports false for lines that are no such command.
func parseCmdLine(line string) (cmdLine, bool) {
	var c cmdLine
	var words []string
	for s := strings.TrimSpace(line); s != ""; s = strings.TrimLeft(s, " ") {
		switch {
		case s[0] == '"':
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return c, false
			}
			w, _ := strconv.Unquote(q)
			words = append(words, w)
			s = s[len(q):]
		default:
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			w := s[:end]
			if name, _, ok := strings.Cut(w, "='"); ok && len(words) == 0 && c.tool == "" {
				// An assignment: NAME='value', value without quotes.
				rest := s[len(name)+2:]
				v, after, ok := strings.Cut(rest, "'")
				if !ok {
					return c, false
				}
				c.env = append(c.env, name+"="+v)
				s = after
				continue
			}
			words = append(words, w)
			s = s[end:]
		}
		if c.tool == "" && len(words) == 1 {
			c.tool = words[0]
			words = nil
		}
	}
	if c.tool == "" || !filepath.IsAbs(c.tool) {
		return c, false
	}
	c.args = words
	return c, true
}
