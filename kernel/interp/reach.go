package interp

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// whenRun makes find, a class's finder, look only at the code the program
// can run (see runnable): for a class that shows only when its code runs,
// a function of an earlier cell that this cell never calls does not keep
// the cell from yaegi.
func whenRun(find func(p *program) token.Pos) func(p *program) token.Pos {
	return func(p *program) token.Pos { return find(p.runnable()) }
}

// deadCode is what a program holds that it can never run: the functions
// (not methods, which an interface may call) that no code reachable from
// main, init or a package variable refers to, and the imports that only
// those functions use. Rewrite leaves both out of what yaegi compiles, so
// what yaegi cannot run there (a missing package, a construct it lacks)
// does not keep the program from it.
type deadCode struct {
	funcs   map[*ast.FuncDecl]bool
	imports map[*ast.ImportSpec]bool
}

// findDeadCode returns the dead code of file. An import is dead only when
// no live code names its package, it is not a blank or dot import, and
// leaving it out cannot change what the program does: the worker holds
// the package (its init has run there already), or it is a package of
// the standard library whose init registers nothing with other packages
// (see registers).
func findDeadCode(file *ast.File, info *types.Info) deadCode {
	funcs := map[types.Object]*ast.FuncDecl{}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name != "main" && fd.Name.Name != "init" {
			if obj := info.Defs[fd.Name]; obj != nil {
				funcs[obj] = fd
			}
		}
	}
	reached := map[*ast.FuncDecl]bool{}
	used := map[string]bool{} // import paths live code names
	var queue []ast.Node
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); !ok || funcs[info.Defs[fd.Name]] != fd {
			queue = append(queue, d)
		}
	}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		ast.Inspect(n, func(m ast.Node) bool {
			id, ok := m.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.Uses[id]
			if pn, ok := obj.(*types.PkgName); ok {
				used[pn.Imported().Path()] = true
			}
			if f, ok := obj.(*types.Func); ok {
				obj = f.Origin()
			}
			if fd := funcs[obj]; fd != nil && !reached[fd] {
				reached[fd] = true
				queue = append(queue, fd)
			}
			return true
		})
	}
	dead := deadCode{funcs: map[*ast.FuncDecl]bool{}, imports: map[*ast.ImportSpec]bool{}}
	for _, fd := range funcs {
		if !reached[fd] {
			dead.funcs[fd] = true
		}
	}
	for _, im := range file.Imports {
		path := strings.Trim(im.Path.Value, `"`)
		if used[path] || im.Name != nil && (im.Name.Name == "_" || im.Name.Name == ".") {
			continue
		}
		if HasPackage(path) || standard(path) && !registers(path) {
			dead.imports[im] = true
		}
	}
	return dead
}

// standard reports whether path is a package of the standard library:
// its first element has no dot.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// registers reports whether the standard package at path has an init
// that registers something with another package (an image format, a
// hash, HTTP handlers, time zone data, variables), which a program could
// see without naming the package.
func registers(path string) bool {
	for _, p := range []string{"image/", "crypto/", "hash/", "net/http/pprof", "expvar", "time/tzdata", "embed", "net/rpc", "mime", "database/sql"} {
		if path == strings.TrimSuffix(p, "/") || strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// runnable returns the program without its dead code (see findDeadCode).
func (p *program) runnable() *program {
	if p.run != nil {
		return p.run
	}
	dead := findDeadCode(p.file, p.info)
	file := *p.file
	file.Decls = nil
	file.Imports = nil
	for _, d := range p.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if dead.funcs[d] {
				continue
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				g := *d
				g.Specs = nil
				for _, s := range d.Specs {
					if im := s.(*ast.ImportSpec); !dead.imports[im] {
						g.Specs = append(g.Specs, im)
						file.Imports = append(file.Imports, im)
					}
				}
				file.Decls = append(file.Decls, &g)
				continue
			}
		}
		file.Decls = append(file.Decls, d)
	}
	p.run = &program{file: &file, info: p.info, errors: p.errors, names: p.names}
	p.run.run = p.run
	return p.run
}
