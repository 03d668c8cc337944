// Package typecheck type-checks the Go programs gokernel builds from cells,
// with the go/types checker and the export data the Go toolchain produces.
//
// Export data comes from `go list -export -deps` run in the cell workspace
// with the same build flags as the build itself, so the packages it
// compiles are the ones the build then finds in the build cache. Imported
// packages are loaded once per Checker and kept: after the first cell that
// imports a package, checking a program costs milliseconds.
package typecheck

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"asyncgo/kernel/procgroup"
)

// Checker type-checks programs of one cell workspace. It is safe for
// concurrent use.
type Checker struct {
	goCmd, dir string
	env        []string
	flags      []string

	mu      sync.Mutex
	fset    *token.FileSet
	exports map[string]string // import path → export data file
	imp     types.ImporterFrom
	newer   *NewerGoError // set once export data proved unreadable
}

// NewerGoError says the checker cannot read the export data the go
// command wrote: the toolchain that builds cells is a newer Go than the
// one gokernel was built with. Cells still build and run; only what the
// checker tells (whether to show a call's value, completion from it, the
// yaegi fast path) is missing. Every later Check returns the same error
// at once.
type NewerGoError struct {
	// Built is the Go release gokernel was built with (runtime.Version).
	Built string
	// Go is the version of the go command that builds cells, when known.
	Go string
	// Detail is what go/types said.
	Detail string
}

func (e *NewerGoError) Error() string {
	goVersion := e.Go
	if goVersion == "" {
		goVersion = "the Go that builds cells"
	}
	detail := ""
	if e.Detail != "" {
		detail = " (" + e.Detail + ")"
	}
	return fmt.Sprintf("this gokernel was built with %s, whose type checker cannot read packages compiled by %s%s. "+
		"Cells still build and run with %s, but the value of a call on a cell's last line is not shown, "+
		"completion comes from gopls only, and no cell takes the yaegi fast path. "+
		"Rebuild gokernel with %s (with it as the go command: go install ./kernel/cmd/gokernel in the asyncgo repository, "+
		"then gokernel install), and restart the kernel.",
		e.Built, goVersion, detail, goVersion, goVersion)
}

// New returns a Checker that runs goCmd in the workspace module at dir,
// with env (NAME=value, added to the process's) and build flags as the
// build uses them.
func New(goCmd, dir string, env, flags []string) *Checker {
	c := &Checker{goCmd: goCmd, dir: dir, env: env, flags: flags, fset: token.NewFileSet(), exports: map[string]string{}}
	c.imp = importer.ForCompiler(c.fset, "gc", c.lookup).(types.ImporterFrom)
	return c
}

func (c *Checker) lookup(path string) (io.ReadCloser, error) {
	file, ok := c.exports[path]
	if !ok || file == "" {
		return nil, fmt.Errorf("no export data for %q", path)
	}
	return os.Open(file)
}

// Result is a type-checked program.
type Result struct {
	Fset *token.FileSet
	File *ast.File
	Info *types.Info
	// Pkg is the checked package, main.
	Pkg *types.Package
	// Errors are the program's type errors. Info is filled as far as
	// checking got, so callers may use it even when there are errors: an
	// unused value in the last statement, for example, is an error that
	// still has a type.
	Errors []error
}

// Check type-checks the program src (a main package). imports are the
// import paths it uses; packages not seen before are compiled by the go
// command first. Type errors are in Result.Errors; the error result is for
// programs that could not be checked at all.
//
// A panic of go/types (reading export data of a newer Go, for example) is
// recovered and returned as an error: a type check is an aid, and its
// failure must not end the kernel. Export data it cannot read is a
// *NewerGoError.
func (c *Checker) Check(ctx context.Context, src []byte, imports []string) (res *Result, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.newer != nil {
		return nil, c.newer
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, c.recovered(p)
		}
	}()
	var missing []string
	for _, p := range imports {
		if _, ok := c.exports[p]; !ok && p != "unsafe" && p != "C" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		if err := c.load(ctx, missing); err != nil {
			return nil, err
		}
	}
	f, err := parser.ParseFile(c.fset, "main.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{}}
	r := &Result{Fset: c.fset, File: f, Info: info}
	conf := types.Config{Importer: c.imp, Error: func(err error) { r.Errors = append(r.Errors, err) }}
	r.Pkg, _ = conf.Check("main", c.fset, []*ast.File{f}, info)
	return r, nil
}

// recovered turns a panic of a check into its error. The importer may
// hold half-read packages after a panic, so the Checker starts afresh.
func (c *Checker) recovered(p any) error {
	detail := fmt.Sprint(p)
	c.fset = token.NewFileSet()
	c.imp = importer.ForCompiler(c.fset, "gc", c.lookup).(types.ImporterFrom)
	if strings.Contains(detail, "export data version") || strings.Contains(detail, "unsupported version") {
		c.newer = &NewerGoError{Built: runtime.Version(), Go: c.goVersion(), Detail: detail}
		return c.newer
	}
	return fmt.Errorf("the type checker failed: %s", detail)
}

// goVersion asks the go command for its version; "" when it cannot say.
func (c *Checker) goVersion() string {
	cmd := exec.Command(c.goCmd, "env", "GOVERSION")
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// load asks the go command for the export data of paths and their
// dependencies.
func (c *Checker) load(ctx context.Context, paths []string) error {
	args := append([]string{"list", "-e", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, c.flags...)
	args = append(args, "--")
	args = append(args, paths...)
	cmd := exec.CommandContext(ctx, c.goCmd, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	procgroup.Set(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	procgroup.End(cmd)
	if err != nil {
		return fmt.Errorf("go list -export: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, _ := strings.Cut(sc.Text(), "\t")
		if file != "" {
			c.exports[path] = file
		}
	}
	return nil
}

// LastCallResults reports how many results the call in the last statement
// of func main has, when that statement is a call expression. ok is false
// when main does not end with a call.
func (r *Result) LastCallResults() (n int, ok bool) {
	for _, d := range r.File.Decls {
		fd, isFunc := d.(*ast.FuncDecl)
		if !isFunc || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil || len(fd.Body.List) == 0 {
			continue
		}
		es, isExpr := fd.Body.List[len(fd.Body.List)-1].(*ast.ExprStmt)
		if !isExpr {
			return 0, false
		}
		call, isCall := ast.Unparen(es.X).(*ast.CallExpr)
		if !isCall {
			return 0, false
		}
		tv, found := r.Info.Types[call]
		if !found {
			return 0, false
		}
		if tv.IsVoid() {
			return 0, true
		}
		if t, isTuple := tv.Type.(*types.Tuple); isTuple {
			return t.Len(), true
		}
		return 1, true
	}
	return 0, false
}
