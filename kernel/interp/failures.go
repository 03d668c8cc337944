package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// findUnfaithfulFailures finds what could fail on yaegi with a report
// other than the compiled program's, even after Rewrite: the router keeps
// such a program from yaegi before it runs, since a cell runs once and its
// failure must read as Go's.
//
//   - a slice expression with bounds that may be out of range and that
//     Rewrite cannot check (checkableSlice): yaegi says "reflect.Value.Slice:
//     slice index out of bounds", Go names the bounds;
//   - an index Rewrite cannot check (the indexed operand has side effects);
//   - a deferred function literal that recovers and panics: Go marks the
//     report "[recovered]" or "[recovered, repanicked]";
//   - a deferred function literal that recovers and asserts the type of a
//     value: yaegi hands recover a reflect.Value, so r.(error) fails;
//   - panic(nil): Go panics with *runtime.PanicNilError, yaegi with nil;
//   - a type assertion to an interface without ", ok": the messages differ.
func findUnfaithfulFailures(p *program) token.Pos {
	commaOK := map[ast.Expr]bool{}
	ast.Inspect(p.file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			if len(x.Lhs) == 2 && len(x.Rhs) == 1 {
				commaOK[ast.Unparen(x.Rhs[0])] = true
			}
		case *ast.ValueSpec:
			if len(x.Names) == 2 && len(x.Values) == 1 {
				commaOK[ast.Unparen(x.Values[0])] = true
			}
		}
		return true
	})
	return p.inspect(func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SliceExpr:
			return mayFailSlice(p.info, x) && !checkableSlice(p.info, x)
		case *ast.IndexExpr:
			return checkedIndex(p.info, x) && !repeatable(p.info, x.X)
		case *ast.DeferStmt:
			lit, ok := ast.Unparen(x.Call.Fun).(*ast.FuncLit)
			return ok && calls(p.info, lit.Body, "recover") && (calls(p.info, lit.Body, "panic") || asserts(lit.Body))
		case *ast.CallExpr:
			if isBuiltin(p.info, x.Fun, "panic") && len(x.Args) == 1 {
				return p.info.Types[x.Args[0]].IsNil()
			}
		case *ast.TypeAssertExpr:
			if x.Type == nil {
				return false // a type switch
			}
			return types.IsInterface(p.info.TypeOf(x.Type)) && !commaOK[x]
		}
		return false
	})
}

// mayFailSlice reports whether a slice expression may panic at run time:
// it has a bound, and the compiler does not check all of them (constant
// bounds of an array).
func mayFailSlice(info *types.Info, x *ast.SliceExpr) bool {
	bounds := []ast.Expr{x.Low, x.High, x.Max}
	t := info.TypeOf(x.X)
	if t == nil {
		return true
	}
	t = t.Underlying()
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem().Underlying()
	}
	_, array := t.(*types.Array)
	for _, b := range bounds {
		if b == nil {
			continue
		}
		if tv, ok := info.Types[b]; !array || !ok || tv.Value == nil {
			return true
		}
	}
	return false
}

// checkableSlice reports whether Rewrite checks the bounds of x in the
// worker: x slices a slice, a string or an array (not through a pointer,
// which may be nil) named by an identifier or a field selection, with
// bounds of type int built of identifiers, constants, fields, arithmetic
// and len or cap, which the check evaluates a second time with the same
// result and no side effect; and is not a full slice expression of an
// array, whose error the worker cannot produce.
func checkableSlice(info *types.Info, x *ast.SliceExpr) bool {
	if !plainOperand(info, x.X) {
		return false
	}
	t := info.TypeOf(x.X)
	if t == nil {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
	case *types.Array:
		if x.Slice3 {
			return false
		}
	case *types.Basic:
		if u.Info()&types.IsString == 0 {
			return false
		}
	default:
		return false
	}
	for _, b := range []ast.Expr{x.Low, x.High, x.Max} {
		if b != nil && !plainBound(info, b) {
			return false
		}
	}
	return true
}

// sliceHasCap reports whether the operand of x is a slice, whose bounds
// errors name its capacity (a string's or an array's name its length).
func sliceHasCap(info *types.Info, x *ast.SliceExpr) bool {
	_, ok := info.TypeOf(x.X).Underlying().(*types.Slice)
	return ok
}

// plainOperand reports whether e is an identifier or a chain of field
// selections on one (not through a pointer).
func plainOperand(info *types.Info, e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		s, ok := info.Selections[x]
		if !ok {
			return true // a qualified identifier
		}
		if s.Kind() != types.FieldVal || s.Indirect() {
			return false
		}
		return plainOperand(info, x.X)
	}
	return false
}

// plainBound reports whether e is an int expression of identifiers,
// constants, fields, arithmetic and len or cap of plain operands.
func plainBound(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	if !ok {
		return false
	}
	if b, ok := tv.Type.(*types.Basic); !ok || (b.Kind() != types.Int && b.Kind() != types.UntypedInt) {
		return false
	}
	return pureInt(info, e)
}

func pureInt(info *types.Info, e ast.Expr) bool {
	if tv, ok := info.Types[e]; ok && tv.Value != nil {
		return true
	}
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		_, ok := info.Uses[x].(*types.Var)
		return ok
	case *ast.SelectorExpr:
		return plainOperand(info, x)
	case *ast.BinaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.MUL:
			return pureInt(info, x.X) && pureInt(info, x.Y)
		}
	case *ast.CallExpr:
		if len(x.Args) == 1 && (isBuiltin(info, x.Fun, "len") || isBuiltin(info, x.Fun, "cap")) {
			return plainOperand(info, x.Args[0])
		}
	}
	return false
}

// calls reports whether a function body calls the builtin name (itself,
// not in a function literal inside).
func calls(info *types.Info, body *ast.BlockStmt, name string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false // another function
		}
		if call, ok := n.(*ast.CallExpr); ok {
			found = found || isBuiltin(info, call.Fun, name)
		}
		return true
	})
	return found
}

// asserts reports whether a function body has a type assertion or a type
// switch.
func asserts(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.TypeAssertExpr); ok {
			found = true
		}
		return !found
	})
	return found
}

func isBuiltin(info *types.Info, fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}
