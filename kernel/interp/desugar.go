package interp

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// This file holds the rewrites of constructs yaegi v0.16.1 lacks into Go
// it has, each with the same meaning: range over an integer, and the
// builtins min, max and clear. The router keeps from yaegi only the shapes
// these rewrites do not cover (see rangeIntRewritable, minMaxRewritable and
// clearRewritable).

// A cut replaces the source in [lo, hi) with text, which holds as many
// line breaks as that source (see breaks), so that lines keep their
// numbers. Insertions at lo are written before text, insertions inside
// the range are dropped, and insertions at hi are written after it.
type cut struct {
	lo, hi token.Pos
	text   string
}

// typeNames writes the names of types as the program can spell them at a
// position: the rewrites declare variables and helpers of a program's
// types.
type typeNames struct {
	file *types.Scope // the file's scope; nil when the type check has none
}

func newTypeNames(info *types.Info, f *ast.File) typeNames {
	tn := typeNames{file: info.Scopes[f]}
	if tn.file == nil {
		// A copy of the file (see runnable): find its scope by kind.
		for n, s := range info.Scopes {
			if _, ok := n.(*ast.File); ok {
				tn.file = s
				break
			}
		}
	}
	return tn
}

// name returns how the program spells t at pos (token.NoPos for its
// package scope), when it can: t is a basic type whose name is not
// shadowed there, or a named type without type arguments that the
// program declares (and that is in scope there) or that an imported
// package exports (and whose package name is in scope there).
func (tn typeNames) name(t types.Type, pos token.Pos) (string, bool) {
	if tn.file == nil || t == nil {
		return "", false
	}
	scope := tn.file
	if pos.IsValid() {
		if s := tn.file.Innermost(pos); s != nil {
			scope = s
		}
	}
	switch x := types.Unalias(t).(type) {
	case *types.Basic:
		if x.Kind() == types.UnsafePointer || x.Info()&types.IsUntyped != 0 {
			return "", false
		}
		if _, obj := scope.LookupParent(x.Name(), pos); obj != types.Universe.Lookup(x.Name()) {
			return "", false
		}
		return x.Name(), true
	case *types.Named:
		if x.TypeArgs().Len() > 0 || x.TypeParams().Len() > 0 {
			return "", false
		}
		obj := x.Obj()
		if obj.Pkg() == nil {
			// error or comparable
			if _, found := scope.LookupParent(obj.Name(), pos); found != types.Universe.Lookup(obj.Name()) {
				return "", false
			}
			return obj.Name(), true
		}
		if obj.Pkg().Path() == "main" {
			if _, found := scope.LookupParent(obj.Name(), pos); found != obj {
				return "", false
			}
			return obj.Name(), true
		}
		if !obj.Exported() {
			return "", false
		}
		for _, name := range tn.file.Names() {
			pn, ok := tn.file.Lookup(name).(*types.PkgName)
			if !ok || pn.Imported() != obj.Pkg() {
				continue
			}
			if _, found := scope.LookupParent(pn.Name(), pos); found == pn {
				return pn.Name() + "." + obj.Name(), true
			}
		}
	}
	return "", false
}

// isRangeInt reports whether r ranges over an integer.
func isRangeInt(info *types.Info, r *ast.RangeStmt) bool {
	t := info.TypeOf(r.X)
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// rangeIntType returns the type of the iteration values of r, a range
// over an integer: the iteration variable's type when there is one (a
// constant takes it), otherwise the range expression's (int for an
// untyped constant).
func rangeIntType(info *types.Info, r *ast.RangeStmt) types.Type {
	if id := rangeKey(r); id != nil {
		if r.Tok == token.DEFINE {
			if obj := info.Defs[id]; obj != nil {
				return obj.Type()
			}
			return nil
		}
		return info.TypeOf(id)
	}
	return types.Default(info.TypeOf(r.X))
}

// rangeKey returns the iteration variable of r when it is one other than
// the blank identifier, or nil.
func rangeKey(r *ast.RangeStmt) *ast.Ident {
	id, _ := r.Key.(*ast.Ident)
	if id == nil || id.Name == "_" {
		return nil
	}
	return id
}

// rangeIntRewritable reports whether the range over an integer r is one
// rangeInt can rewrite: its iteration variable, if any, is an identifier,
// and the type of its iteration values has a name the program can write
// at the loop.
func rangeIntRewritable(info *types.Info, tn typeNames, r *ast.RangeStmt) bool {
	if r.Key != nil && rangeKey(r) == nil {
		if id, ok := r.Key.(*ast.Ident); !ok || id.Name != "_" {
			return false // an index expression, a field, ...
		}
	}
	_, ok := tn.name(rangeIntType(info, r), r.For)
	return ok
}

// rangeInt rewrites r, a range over an integer that rangeIntRewritable
// accepts, into a three-clause loop with Go's meaning: the range
// expression is evaluated once, before the loop, into a hidden bound of
// the iteration type; a hidden counter runs from zero while it is below
// the bound (no iteration when the bound is zero or less); and each
// iteration gets its own variable, set from the counter, so that changing
// it in the body changes neither the counter nor the number of
// iterations:
//
//	for i := range n {
//		body
//	}
//
// becomes, on the same lines,
//
//	for gokernel_i1, gokernel_n1 := T(0), T(n); gokernel_i1 < gokernel_n1; gokernel_i1++ { i := gokernel_i1; _ = i; {
//		body
//	}}
//
// (i = gokernel_i1 for a range that assigns an existing variable). A
// label stays on the loop, and continue runs the counter's increment.
func (rw *rewriter) rangeInt(r *ast.RangeStmt) {
	name, _ := rw.types.name(rangeIntType(rw.info, r), r.For)
	rw.n++
	i, n := fmt.Sprintf("gokernel_i%d", rw.n), fmt.Sprintf("gokernel_n%d", rw.n)
	head := r.For + token.Pos(len("for"))
	rw.cuts = append(rw.cuts,
		cut{head, r.X.Pos(), fmt.Sprintf(" %s, %s := %s(0), %s(", i, n, name, name) + rw.breaks(head, r.X.Pos())},
		cut{r.X.End(), r.Body.Lbrace, fmt.Sprintf("); %s < %s; %s++ ", i, n, i)})
	key := rangeKey(r)
	if key == nil {
		return
	}
	if r.Tok == token.DEFINE {
		rw.insert(r.Body.Lbrace+1, fmt.Sprintf(" %s := %s; _ = %s; {", key.Name, i, key.Name))
	} else {
		rw.insert(r.Body.Lbrace+1, fmt.Sprintf(" %s = %s; {", key.Name, i))
	}
	rw.insert(r.Body.Rbrace, "}")
}

// builtinCall returns the name of the builtin function call calls (such
// as "min"), or "".
func builtinCall(info *types.Info, call *ast.CallExpr) string {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return ""
	}
	b, ok := info.Uses[id].(*types.Builtin)
	if !ok {
		return ""
	}
	return b.Name()
}

// minMaxRewritable reports whether call, a call of min or max, is one
// minMax can rewrite: a constant of integer or string kind, or a call on
// integers or strings (where Go's min and max are < and >; floats have
// rules for NaN and negative zero) of a type the program can name at its
// package scope.
func minMaxRewritable(info *types.Info, tn typeNames, call *ast.CallExpr) bool {
	tv := info.Types[call]
	if tv.Type == nil {
		return false
	}
	if tv.Value != nil {
		if tv.Value.Kind() != constant.Int && tv.Value.Kind() != constant.String {
			return false
		}
		if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
			return true
		}
		_, ok := tn.name(tv.Type, call.Pos())
		return ok
	}
	b, ok := tv.Type.Underlying().(*types.Basic)
	if !ok || b.Info()&(types.IsInteger|types.IsString) == 0 {
		return false
	}
	_, ok = tn.name(tv.Type, token.NoPos)
	return ok
}

// minMax rewrites call, a call of min or max that minMaxRewritable
// accepts. A constant call becomes its value, converted to its type when
// it has one; any other becomes a call of a helper the program declares at
// its end (see helpers), one for each function and type:
//
//	func gokernel_min1(x T, ys ...T) T { for _, y := range ys { if y < x { x = y } }; return x }
//
// which evaluates the arguments in order, as the builtin does.
func (rw *rewriter) minMax(call *ast.CallExpr, fn string) {
	tv := rw.info.Types[call]
	if v := tv.Value; v != nil {
		name := ""
		if b, ok := tv.Type.(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
			name, _ = rw.types.name(tv.Type, call.Pos())
		}
		rw.constant(call, name, v)
		return
	}
	name, _ := rw.types.name(tv.Type, token.NoPos)
	key := fn + " " + name
	helper, ok := rw.helperNames[key]
	if !ok {
		rw.n++
		helper = fmt.Sprintf("gokernel_%s%d", fn, rw.n)
		op := "<"
		if fn == "max" {
			op = ">"
		}
		if rw.helperNames == nil {
			rw.helperNames = map[string]string{}
		}
		rw.helperNames[key] = helper
		rw.helpers = append(rw.helpers, fmt.Sprintf("func %s(x %s, ys ...%s) %s { for _, y := range ys { if y %s x { x = y } }; return x }", helper, name, name, name, op))
	}
	rw.cuts = append(rw.cuts, cut{call.Fun.Pos(), call.Fun.End(), helper})
}

// clearRewritable reports whether s is a statement clearStmt can rewrite:
// a call of clear on a variable or a field of one (see plainOperand; the
// rewrite evaluates it more than once), whose type is a map with keys that
// cannot be NaN (clear removes NaN keys, which no loop of delete can), or
// a slice whose elements have a zero value the program can write at s.
func clearRewritable(info *types.Info, tn typeNames, s *ast.ExprStmt) bool {
	call, ok := ast.Unparen(s.X).(*ast.CallExpr)
	if !ok || builtinCall(info, call) != "clear" || len(call.Args) != 1 || !plainOperand(info, call.Args[0]) {
		return false
	}
	switch t := info.TypeOf(call.Args[0]).Underlying().(type) {
	case *types.Map:
		return !mayBeNaN(t.Key(), map[types.Type]bool{})
	case *types.Slice:
		_, ok := zeroValue(tn, t.Elem(), s.Pos())
		return ok
	}
	return false
}

// mayBeNaN reports whether a value of type t may hold a NaN: a float or
// complex number, an interface, or a struct or array with one.
func mayBeNaN(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch x := t.Underlying().(type) {
	case *types.Basic:
		return x.Info()&(types.IsFloat|types.IsComplex) != 0
	case *types.Interface:
		return true
	case *types.Array:
		return mayBeNaN(x.Elem(), seen)
	case *types.Struct:
		for f := range x.Fields() {
			if mayBeNaN(f.Type(), seen) {
				return true
			}
		}
	}
	return false
}

// zeroValue returns how the program writes the zero value of t at pos
// for an assignment to a variable of type t.
func zeroValue(tn typeNames, t types.Type, pos token.Pos) (string, bool) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsNumeric != 0:
			return "0", true
		case u.Info()&types.IsString != 0:
			return `""`, true
		case u.Info()&types.IsBoolean != 0:
			return "false", true
		case u.Kind() == types.UnsafePointer:
			return "nil", true
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return "nil", true
	case *types.Struct, *types.Array:
		if name, ok := tn.name(t, pos); ok {
			return name + "{}", true
		}
	}
	return "", false
}

// clearStmt rewrites s, a call of clear that clearRewritable accepts,
// into a loop on the same line that deletes every key of the map, or
// sets every element of the slice to its zero value:
//
//	for gokernel_k1 := range m { delete(m, gokernel_k1) }
//	for gokernel_k1 := range s { s[gokernel_k1] = 0 }
func (rw *rewriter) clearStmt(s *ast.ExprStmt) {
	call := ast.Unparen(s.X).(*ast.CallExpr)
	arg := string(rw.src[rw.file.Offset(call.Args[0].Pos()):rw.file.Offset(call.Args[0].End())])
	rw.n++
	k := fmt.Sprintf("gokernel_k%d", rw.n)
	var text string
	switch t := rw.info.TypeOf(call.Args[0]).Underlying().(type) {
	case *types.Map:
		text = fmt.Sprintf("for %s := range %s { delete(%s, %s) }", k, arg, arg, k)
	case *types.Slice:
		zero, _ := zeroValue(rw.types, t.Elem(), s.Pos())
		text = fmt.Sprintf("for %s := range %s { %s[%s] = %s }", k, arg, arg, k, zero)
	}
	rw.cuts = append(rw.cuts, cut{s.Pos(), s.End(), text + rw.breaks(s.Pos(), s.End())})
}

// constant replaces e, a constant expression of integer or string kind,
// by its value v, converted to the type named typ unless that is "" (an
// untyped constant stays one). The line breaks of e come first, after the
// opening parenthesis, where they end no statement.
func (rw *rewriter) constant(e ast.Expr, typ string, v constant.Value) {
	text := v.ExactString()
	if v.Kind() == constant.String {
		text = strconv.Quote(constant.StringVal(v))
	}
	text = typ + "(" + rw.breaks(e.Pos(), e.End()) + text + ")"
	rw.cuts = append(rw.cuts, cut{e.Pos(), e.End(), text})
}

// breaks returns the line breaks of the source in [lo, hi).
func (rw *rewriter) breaks(lo, hi token.Pos) string {
	return strings.Repeat("\n", bytes.Count(rw.src[rw.file.Offset(lo):rw.file.Offset(hi)], []byte("\n")))
}

// untypedIntDivision reports whether x is a division or remainder of two
// untyped integer constants, such as 7 / 2: an integer constant, which
// yaegi computes as a float when the context is a float (it gives 3.5 for
// var f float64 = 7 / 2, where Go gives 3). The type check records the
// value converted to its context's type, which keeps it exact.
func untypedIntDivision(info *types.Info, x *ast.BinaryExpr) bool {
	if x.Op != token.QUO && x.Op != token.REM {
		return false
	}
	if v := info.Types[x].Value; v == nil || constant.ToInt(v).Kind() != constant.Int {
		return false
	}
	for _, e := range []ast.Expr{x.X, x.Y} {
		o := info.Types[e]
		b, ok := o.Type.(*types.Basic)
		if o.Value == nil || !ok || b.Info()&types.IsUntyped == 0 || o.Value.Kind() != constant.Int {
			return false
		}
	}
	return true
}

// helpersText returns the declarations of the helpers the rewrite calls,
// on one line after the program's last.
func (rw *rewriter) helpersText() string {
	if len(rw.helpers) == 0 {
		return ""
	}
	return "\n" + strings.Join(rw.helpers, "; ") + "\n"
}
