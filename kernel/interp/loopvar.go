package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// loopCapture looks at loop, a for or range statement, for a capture of a
// variable it declares: a function literal in the loop that uses one, its
// address, or a call of a method with a pointer receiver on one. yaegi
// shares one variable across iterations (Go 1.21 semantics); Go 1.22 and
// later give each iteration its own, so a capture sees the iteration's
// value.
//
// It returns where the first capture is (token.NoPos if there is none),
// the variables (their defining identifiers), and whether Rewrite can give
// each iteration its own variables by copying them at the start of the
// body (v := v), as it does when the loop captures them. It can when
//
//   - every function literal of the body that uses a variable of the
//     iteration (the loop's, or one declared in the body) is called in
//     place, or by a go statement: yaegi gives a literal that library code
//     calls later, or that a defer statement calls, the variables of the
//     last iteration, even those declared in the body (so such a literal
//     is a capture here even when the loop declares no variable);
//   - and the loop is a range loop, whose iterations assign their
//     variables afresh, so a copy the body uses instead is the same; or a
//     three-clause loop whose header captures none of them and whose body
//     (function literals included) neither assigns to them, nor takes
//     their address, nor calls a method with a pointer receiver on them:
//     Go carries a change the body makes to the next iteration, which a
//     copy would lose.
func loopCapture(info *types.Info, loop ast.Stmt) (pos token.Pos, vars []*ast.Ident, copyable bool) {
	declared := map[types.Object]bool{}
	var body *ast.BlockStmt
	var header []ast.Node
	switch l := loop.(type) {
	case *ast.ForStmt:
		if as, ok := l.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, lhs := range as.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name != "_" && info.Defs[id] != nil {
					declared[info.Defs[id]] = true
					vars = append(vars, id)
				}
			}
		}
		body = l.Body
		for _, n := range []ast.Node{l.Init, l.Cond, l.Post} {
			if n != nil {
				header = append(header, n)
			}
		}
	case *ast.RangeStmt:
		if l.Tok == token.DEFINE {
			for _, e := range []ast.Expr{l.Key, l.Value} {
				if id, ok := e.(*ast.Ident); ok && id.Name != "_" && info.Defs[id] != nil {
					declared[info.Defs[id]] = true
					vars = append(vars, id)
				}
			}
		}
		body = l.Body
	default:
		return token.NoPos, nil, false
	}
	if at := laterCapture(info, body, iterationVars(info, body, declared)); at.IsValid() {
		return at, vars, false
	}
	if len(declared) == 0 {
		return token.NoPos, nil, false
	}
	for _, n := range header {
		if at := capture(info, n, declared, true); at.IsValid() {
			return at, vars, false
		}
	}
	pos = capture(info, body, declared, true)
	if !pos.IsValid() {
		return token.NoPos, vars, false
	}
	if _, ok := loop.(*ast.RangeStmt); ok {
		return pos, vars, true
	}
	return pos, vars, !capture(info, body, declared, false).IsValid() && !assigns(info, body, declared)
}

// iterationVars returns the variables of an iteration of a loop whose body
// is body: loopVars, and those the body declares outside function
// literals.
func iterationVars(info *types.Info, body *ast.BlockStmt, loopVars map[types.Object]bool) map[types.Object]bool {
	vars := map[types.Object]bool{}
	for v := range loopVars {
		vars[v] = true
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.Ident:
			if v, ok := info.Defs[x].(*types.Var); ok && x.Name != "_" {
				vars[v] = true
			}
		}
		return true
	})
	return vars
}

// laterCapture returns where in body a function literal uses a variable of
// vars and is not called in place or by a go statement (it is stored,
// handed to a library, or deferred), or is called so but holds such a
// literal.
func laterCapture(info *types.Info, body *ast.BlockStmt, vars map[types.Object]bool) token.Pos {
	inPlace := map[*ast.FuncLit]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.DeferStmt:
			// Its call's literal is not in place; literals in its
			// arguments are seen below.
			for _, a := range x.Call.Args {
				ast.Inspect(a, func(m ast.Node) bool {
					if c, ok := m.(*ast.CallExpr); ok {
						if lit, ok := ast.Unparen(c.Fun).(*ast.FuncLit); ok {
							inPlace[lit] = true
						}
					}
					return true
				})
			}
			return false
		case *ast.CallExpr:
			if lit, ok := ast.Unparen(x.Fun).(*ast.FuncLit); ok {
				inPlace[lit] = true
			}
		}
		return true
	})
	pos := token.NoPos
	ast.Inspect(body, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if pos.IsValid() || !ok {
			return !pos.IsValid()
		}
		if uses(info, lit, vars) && (!inPlace[lit] || capture(info, lit.Body, vars, true).IsValid()) {
			pos = lit.Pos()
		}
		return false
	})
	return pos
}

// capture returns where in n a variable of vars is captured: by a
// function literal that uses it (when funcLits; otherwise the literal's
// own body is searched too), by its address, or by a method with a
// pointer receiver called on it.
func capture(info *types.Info, n ast.Node, vars map[types.Object]bool, funcLits bool) token.Pos {
	pos := token.NoPos
	ast.Inspect(n, func(m ast.Node) bool {
		if pos.IsValid() {
			return false
		}
		switch x := m.(type) {
		case *ast.FuncLit:
			if funcLits && uses(info, x, vars) {
				pos = x.Pos()
			}
			return !funcLits
		case *ast.UnaryExpr:
			if x.Op == token.AND && uses(info, x.X, vars) {
				pos = x.Pos()
			}
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal && uses(info, sel.X, vars) {
					if sig, ok := s.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
						if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
							pos = x.Pos()
						}
					}
				}
			}
		}
		return true
	})
	return pos
}

// uses reports whether n uses a variable of vars.
func uses(info *types.Info, n ast.Node, vars map[types.Object]bool) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok && vars[info.Uses[id]] {
			found = true
		}
		return !found
	})
	return found
}

// assigns reports whether n, function literals included, assigns to a
// variable of vars or increments or decrements one.
func assigns(info *types.Info, n ast.Node, vars map[types.Object]bool) bool {
	found := false
	target := func(e ast.Expr) {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok && vars[info.Uses[id]] {
			found = true
		}
	}
	ast.Inspect(n, func(m ast.Node) bool {
		switch x := m.(type) {
		case *ast.AssignStmt:
			for _, e := range x.Lhs {
				target(e)
			}
		case *ast.IncDecStmt:
			target(x.X)
		case *ast.RangeStmt:
			if x.Tok == token.ASSIGN {
				target(x.Key)
				if x.Value != nil {
					target(x.Value)
				}
			}
		}
		return !found
	})
	return found
}
