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
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"asyncgo/kernel/procgroup"
)

// A plan is how the go command built a cell program: its compile and link
// commands and the link's import configuration, recorded from go build -x.
// A later program with the same build inputs except its main.go is built
// by running them again with the new main.go (a replay), which skips the
// go command's package loading and cache checks.
//
// The strings of a plan hold placeholders for what differs between two
// builds: the package directory (pkgDirVar), the import path of the main
// package (importPathVar) and the scratch directory, $WORK/b001 of the go
// command (scratchVar).
type plan struct {
	common
	link cmdLine
	// importcfgLink is the link's import configuration. The compile's
	// holds its packagefile lines, but main's.
	importcfgLink string
	// local is a fingerprint of the workspace packages the program links
	// (their directories' files): they are built from source, so a change
	// to one makes the plan stale.
	local string
}

// common is what plans with the same build inputs but the program's
// imports share.
type common struct {
	// compile is the compile command of the main package.
	compile cmdLine
	// env is the go command's environment (go env), which it gives the
	// tools it runs.
	env []string
}

// Placeholders in a plan's strings.
const (
	pkgDirVar     = "\x00pkgdir\x00"
	importPathVar = "\x00importpath\x00"
	scratchVar    = "\x00scratch\x00"
)

// cmdLine is one tool invocation of a plan.
type cmdLine struct {
	env  []string // NAME=value assignments before the command
	tool string
	args []string
}

// replace returns c with r applied to its arguments.
func (c cmdLine) replace(r *strings.Replacer) cmdLine {
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = r.Replace(a)
	}
	c.args = args
	return c
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

// replayable reports whether a build may be replayed, and returns the
// keys of its plan: base, of everything but the program's imports (the
// compile command depends on nothing else), and key, of everything. Only
// plain builds are replayed: no extra flags, no cgo, no //go: directives
// (such as go:embed or go:build), imports that parse.
func (w *Workspace) replayable(b Build, env []string) (base, key string, ok bool) {
	if len(b.Flags) > 0 || bytes.Contains(b.Source, []byte("//go:")) {
		return "", "", false
	}
	for _, e := range b.Env {
		if strings.HasPrefix(e, "CGO_") {
			return "", "", false
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", b.Source, parser.ImportsOnly)
	if err != nil {
		return "", "", false
	}
	var imports []string
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil || p == "C" {
			return "", "", false
		}
		imports = append(imports, p)
	}
	slices.Sort(imports)
	imports = slices.Compact(imports)
	h := sha256.New()
	for _, list := range [][]string{env, {w.Toolchain().Version}} {
		for _, s := range list {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(w.dir, name))
		if err != nil {
			return "", "", false
		}
		h.Write(data)
		h.Write([]byte{1})
	}
	base = hex.EncodeToString(h.Sum(nil))
	h.Reset()
	h.Write([]byte(base))
	for _, s := range imports {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	return base, hex.EncodeToString(h.Sum(nil)), true
}

// replay builds the program in pkgDir (its main.go written) into bin
// with plan p. An error means the caller should run the go command.
func (w *Workspace) replay(ctx context.Context, p *plan, pkgDir, bin string, env []string) error {
	if fp, err := w.fingerprint(p.importcfgLink); err != nil || fp != p.local {
		return errors.New("workspace packages changed")
	}
	scratch := filepath.Join(pkgDir, "_work")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return err
	}
	r := strings.NewReplacer(pkgDirVar, pkgDir, scratchVar, scratch, importPathVar, w.importPath(pkgDir))
	link := r.Replace(p.importcfgLink)
	for name, text := range map[string]string{"importcfg": compileImportcfg(link, scratch), "importcfg.link": link} {
		if err := os.WriteFile(filepath.Join(scratch, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	env = append(append(slices.Clone(env), p.env...), "PWD="+pkgDir)
	for _, c := range []cmdLine{p.compile.replace(r), p.link.replace(r)} {
		cmd := exec.CommandContext(ctx, c.tool, c.args...)
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

// importPath returns the import path of the package in pkgDir, a
// directory of the workspace module asyncgo.
func (w *Workspace) importPath(pkgDir string) string {
	return "asyncgo/" + filepath.Base(pkgDir)
}

// compileImportcfg returns the compile's import configuration for a link's:
// its packagefile lines but that of main's archive, in scratch.
func compileImportcfg(link, scratch string) string {
	var b strings.Builder
	b.WriteString("# import config\n")
	for _, l := range strings.Split(link, "\n") {
		if strings.HasPrefix(l, "packagefile ") && !strings.HasSuffix(l, "="+scratch+"/_pkg_.a") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// fingerprint returns a fingerprint of the workspace packages that an
// import configuration names: the names, sizes and modification times of
// the files in their directories, except main's. Packages of other modules and of the
// standard library do not change while the kernel runs.
func (w *Workspace) fingerprint(importcfgLink string) (string, error) {
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
		if !ok || pkg == importPathVar {
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

// trace is what go build -x or -n printed: the files it wrote (here
// documents), and its commands with the directories they ran in.
type trace struct {
	work  string // $WORK, or "" for go build -n
	files map[string]string
	cmds  []tracedCmd
}

type tracedCmd struct {
	dir string
	cmdLine
}

// parseTrace reads the output of go build -x or -n.
func parseTrace(out []byte) (trace, bool) {
	t := trace{files: map[string]string{}}
	var dir string
	lines := strings.Split(string(out), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "WORK="):
			t.work = strings.TrimPrefix(line, "WORK=")
			continue
		case strings.HasPrefix(line, "cat >"):
			name, _, ok := strings.Cut(strings.TrimPrefix(line, "cat >"), " << 'EOF'")
			if !ok {
				return t, false
			}
			var text strings.Builder
			for i++; i < len(lines) && lines[i] != "EOF"; i++ {
				text.WriteString(lines[i] + "\n")
			}
			if t.work != "" {
				name = strings.ReplaceAll(name, t.work, "$WORK")
				t.files[name] = strings.ReplaceAll(text.String(), t.work, "$WORK")
			} else {
				t.files[name] = text.String()
			}
			continue
		case strings.HasPrefix(line, "cd "):
			dir = strings.TrimPrefix(line, "cd ")
			continue
		}
		if c, ok := parseCmdLine(line); ok {
			t.cmds = append(t.cmds, tracedCmd{dir, c})
		}
	}
	return t, true
}

// tool returns the one command of tool (compile, link) that ran in dir
// (any, if dir is "") with all of the arguments want.
func (t trace) tool(tool, dir string, want ...string) (cmdLine, bool) {
	var found []cmdLine
	for _, c := range t.cmds {
		if filepath.Base(c.tool) != tool || dir != "" && c.dir != dir {
			continue
		}
		if !slices.ContainsFunc(want, func(a string) bool { return !slices.Contains(c.args, a) }) {
			found = append(found, c.cmdLine)
		}
	}
	if len(found) != 1 {
		return cmdLine{}, false
	}
	return found[0], true
}

// mainCompile returns the compile command of the main package in pkgDir,
// with placeholders, from a trace.
func mainCompile(t trace, pkgDir, importPath string) (cmdLine, bool) {
	c, ok := t.tool("compile", pkgDir, "-p", "main", "./main.go")
	if !ok || len(c.args) == 0 || c.args[len(c.args)-1] != "./main.go" {
		return cmdLine{}, false
	}
	c.args, ok = planArgs(c.args, "-buildid", "$WORK/b001/_pkg_.a", "$WORK/b001/importcfg")
	if !ok || !slices.Contains(c.args, pkgDir+"=>"+importPath+";$WORK/b001=>") {
		return cmdLine{}, false
	}
	return c.replace(strings.NewReplacer(pkgDir, pkgDirVar, "$WORK/b001", scratchVar, importPath, importPathVar)), true
}

// recordPlan reads the output of go build -x that built the program in
// pkgDir, and returns its plan, or nil when it cannot be replayed (for
// example, a dependency was compiled in this build, so its archive is in
// the build's temporary directory, now removed). The compile command
// comes from the trace, else from c (that of a program built before,
// when known), else from go build -n -a, which prints it without running
// it. The environment comes from c, else from go env.
func (w *Workspace) recordPlan(ctx context.Context, out []byte, pkgDir string, flags, env []string, c common, known bool) *plan {
	t, ok := parseTrace(out)
	if !ok || t.work == "" {
		return nil
	}
	importPath := w.importPath(pkgDir)
	r := strings.NewReplacer(pkgDir, pkgDirVar, "$WORK/b001", scratchVar, importPath, importPathVar)
	p := &plan{}
	if p.compile, ok = mainCompile(t, pkgDir, importPath); !ok && known {
		p.compile, ok = c.compile, true
	}
	if !ok {
		cmd := exec.CommandContext(ctx, w.Go(), buildArgs(filepath.Join(pkgDir, "_n"), flags, "-n", "-a")...)
		cmd.Dir = pkgDir
		cmd.Env = env
		procgroup.Set(cmd)
		out, err := cmd.CombinedOutput()
		procgroup.End(cmd)
		if err != nil {
			return nil
		}
		n, _ := parseTrace(out)
		if p.compile, ok = mainCompile(n, pkgDir, importPath); !ok {
			return nil
		}
	}
	link, ok := t.tool("link", "", "$WORK/b001/exe/a.out")
	if !ok {
		return nil
	}
	if link.args, ok = planArgs(link.args, "-buildid=", "$WORK/b001/exe/a.out", "$WORK/b001/importcfg.link"); !ok {
		return nil
	}
	// The link writes into the scratch directory itself.
	for i, a := range link.args {
		if a == "$WORK/b001/exe/a.out" {
			link.args[i] = "$WORK/b001/a.out"
		}
	}
	p.link = link.replace(r)
	cfg, ok := t.files["$WORK/b001/importcfg.link"]
	if !ok {
		return nil
	}
	// Main's archive: this build's, or one from the build cache. The
	// replay links the one it compiles.
	mainLine := "packagefile " + importPath + "="
	var archive string
	for _, l := range strings.Split(cfg, "\n") {
		if a, ok := strings.CutPrefix(l, mainLine); ok {
			archive = a
		}
	}
	if archive == "" || len(p.link.args) == 0 || p.link.args[len(p.link.args)-1] != r.Replace(archive) {
		return nil
	}
	p.link.args[len(p.link.args)-1] = scratchVar + "/_pkg_.a"
	cfg = strings.Replace(cfg, mainLine+archive+"\n", mainLine+"$WORK/b001/_pkg_.a\n", 1)
	// Every archive but main's must outlive the go command: in the
	// build cache, not under $WORK.
	for _, l := range strings.Split(cfg, "\n") {
		if strings.HasPrefix(l, "packagefile ") && strings.Contains(l, "$WORK") && l != "packagefile "+importPath+"=$WORK/b001/_pkg_.a" {
			return nil
		}
	}
	p.importcfgLink = r.Replace(cfg)
	fp, err := w.fingerprint(p.importcfgLink)
	if err != nil {
		return nil
	}
	p.local = fp
	if known {
		p.env = c.env
		return p
	}
	// The go command runs its tools in the environment go env reports.
	cmd := exec.CommandContext(ctx, w.Go(), "env", "-json")
	cmd.Dir = pkgDir
	cmd.Env = env
	procgroup.Set(cmd)
	genv, err := cmd.Output()
	procgroup.End(cmd)
	if err != nil {
		return nil
	}
	var goenv map[string]string
	if json.Unmarshal(genv, &goenv) != nil {
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
