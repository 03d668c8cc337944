package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// whenRun makes find, a class's finder, look only at the code the program
// can run (see runnable): for a class that shows only when its code runs,
// a function of an earlier cell that this cell never calls does not keep
// the cell from yaegi.
func whenRun(find func(p *program) token.Pos) func(p *program) token.Pos {
	return func(p *program) token.Pos { return find(p.runnable()) }
}

// runnable returns the program without the functions it cannot call: the
// functions (not methods, which an interface may call) that no code
// reachable from main, init or a package variable refers to.
func (p *program) runnable() *program {
	if p.run != nil {
		return p.run
	}
	funcs := map[types.Object]*ast.FuncDecl{}
	for _, d := range p.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name != "main" && fd.Name.Name != "init" {
			if obj := p.info.Defs[fd.Name]; obj != nil {
				funcs[obj] = fd
			}
		}
	}
	reached := map[*ast.FuncDecl]bool{}
	var queue []ast.Node
	for _, d := range p.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); !ok || funcs[p.info.Defs[fd.Name]] != fd {
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
			obj := p.info.Uses[id]
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
	file := *p.file
	file.Decls = nil
	for _, d := range p.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && funcs[p.info.Defs[fd.Name]] == fd && !reached[fd] {
			continue
		}
		file.Decls = append(file.Decls, d)
	}
	p.run = &program{file: &file, info: p.info, errors: p.errors, names: p.names}
	p.run.run = p.run
	return p.run
}
