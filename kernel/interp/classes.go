package interp

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
)

// A Class is a kind of construct that yaegi v0.16.1 gets wrong (or that
// the worker cannot offer). A program in which any class is found runs
// with the compiler.
type Class struct {
	// Name identifies the class, such as "loopvar-capture".
	Name string
	// Why says what yaegi does wrong, for the learner who forces yaegi.
	Why string
	// find returns where the class occurs in the program, or token.NoPos.
	find func(p *program) token.Pos
}

// Classes returns the table of classes the router checks, in the order it
// checks them.
func Classes() []Class {
	return []Class{
		{"type-errors", "the program does not type-check; the compiler reports its errors", findTypeErrors},
		{"loopvar-capture", "a variable of a loop iteration captured where a copy per iteration would not behave as Go's: by a function literal that is stored, handed to a library or deferred rather than called in place or by a go statement (yaegi gives it the last iteration's variables, even those declared in the body), or in a three-clause loop that captures it in its header or changes it or takes its address in its body: yaegi shares one variable across iterations (Go 1.21 semantics), so it prints 3 3 3 where Go prints 0 1 2", whenRun(findLoopVarCapture)},
		{"defer-args", "a deferred call whose arguments may change before the function returns: yaegi evaluates them when the call runs, not at the defer statement", whenRun(findDeferArgs)},
		{"multi-assign-composite", "an assignment of several values one of which is a composite literal, such as x, seen := 0, map[byte]int{}: in a loop, yaegi does not assign the other values again", whenRun(findMultiAssignComposite)},
		{"multi-assign-call", "an assignment of several values one of which calls a function, such as gap, last = max(gap, s.Start-last), s.End: where another value reads a field of a value of a compiled package's type, yaegi does not assign it as Go does (in a loop over a timeline's spans it kept last at zero)", whenRun(findMultiAssignCall)},
		{"labeled-branch", "a labeled break, continue or goto: yaegi hangs on a labeled break or continue out of a select in a for loop", whenRun(findLabeledBranch)},
		{"range-over-int", "range over an integer that Rewrite cannot turn into a three-clause loop (the iteration variable is not a plain variable, or its type has no name the program can write at the loop): yaegi crashes on range over an integer", whenRun(findRange(rangeInt))},
		{"range-over-func", "range over a function (iterators): yaegi crashes", whenRun(findRange(rangeFunc))},
		{"generic-methods", "a method with type parameters (Go 1.27): yaegi predates them", whenRun(findGenericMethods)},
		{"generics", "generic functions or types: yaegi crashes on generic function values and fails several forms of type inference", whenRun(findGenerics)},
		{"new-builtins", "min or max of floating-point numbers (NaN and negative zero have rules of their own), or clear other than as a statement on a variable or field (of a map whose keys cannot be NaN, or a slice): yaegi does not define min, max and clear, and Rewrite turns only the other uses into code it runs", whenRun(findNewBuiltins)},
		{"missing-symbol", "a package or symbol the worker does not have (iter, most of slices and maps, packages outside the standard library and asyncgo/helpers)", whenRun(findMissingSymbol)},
		{"program-types-at-host", "a value of a type the program declares passed to library code as an interface: yaegi's values carry no Go type name and renamed fields, so %T, %+v, errors.As/Is and interface checks go wrong", whenRun(findProgramTypesAtHost)},
		{"type-names", "a %T verb or reflection: yaegi reports its own types", whenRun(findTypeNames)},
		{"panic-values", "a panic with a value of a type the program declares: yaegi cannot show it as the runtime does", whenRun(findPanicValues)},
		{"host-goroutines", "library code that starts goroutines running program functions (time.AfterFunc, context.AfterFunc, WaitGroup.Go, net/http) or that the worker cannot observe (runtime introspection, tracing): a panic there is not reported as Go reports it, or the result shows the interpreter itself", whenRun(findHostGoroutines)},
		{"failure-report", "a failure yaegi reports in other words than Go (a slice expression whose operand or bounds the worker cannot check again, a recovered panic panicking again or its value's type asserted, panic(nil), a failed type assertion to an interface): the cell runs once, so it runs where its failure reads as Go's", whenRun(findUnfaithfulFailures)},
		{"timing", "a program that times a loop doing work (time.Since, Sub or Until around a for loop with no sleep, channel operation, select or go statement): yaegi runs such code tens of times slower than the compiled program, so the time it shows would teach wrong numbers", whenRun(findTiming)},
	}
}

// timingFuncs are the functions that measure how long something took.
var timingFuncs = map[string]bool{
	"time.Since": true, "time.Until": true, "(time.Time).Sub": true,
}

// findTiming finds, in a program that measures time, a for loop (or a
// range over an integer) that computes rather than waits: one whose body
// has no go statement, channel operation, select or call to time.Sleep.
func findTiming(p *program) token.Pos {
	measures := p.inspect(func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		var obj types.Object
		if s := p.info.Selections[sel]; s != nil {
			obj = s.Obj()
		} else {
			obj = p.info.Uses[sel.Sel]
		}
		fn, ok := obj.(*types.Func)
		return ok && timingFuncs[fn.FullName()]
	})
	if !measures.IsValid() {
		return token.NoPos
	}
	return p.inspect(func(n ast.Node) bool {
		switch loop := n.(type) {
		case *ast.ForStmt:
			return !waits(p.info, loop.Body)
		case *ast.RangeStmt:
			// Rewrite makes a range over an integer a three-clause loop.
			return isRangeInt(p.info, loop) && !waits(p.info, loop.Body)
		}
		return false
	})
}

// waits reports whether body starts goroutines, uses channels, selects or
// sleeps.
func waits(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.GoStmt, *ast.SendStmt, *ast.SelectStmt:
			found = true
		case *ast.UnaryExpr:
			found = found || x.Op == token.ARROW
		case *ast.RangeStmt:
			if t := info.TypeOf(x.X); t != nil {
				_, ch := t.Underlying().(*types.Chan)
				found = found || ch
			}
		case *ast.SelectorExpr:
			if fn, ok := info.Uses[x.Sel].(*types.Func); ok && fn.FullName() == "time.Sleep" {
				found = true
			}
		}
		return !found
	})
	return found
}

// program is what detectors look at.
type program struct {
	file   *ast.File
	info   *types.Info
	errors []error
	names  typeNames
	run    *program // the program without the functions it cannot call (see runnable)
}

func findTypeErrors(p *program) token.Pos {
	if len(p.errors) > 0 {
		return p.file.Package
	}
	return token.NoPos
}

// inspect walks the program and returns the position of the first node
// for which f is true.
func (p *program) inspect(f func(ast.Node) bool) token.Pos {
	pos := token.NoPos
	ast.Inspect(p.file, func(n ast.Node) bool {
		if pos.IsValid() || n == nil {
			return false
		}
		if f(n) {
			pos = n.Pos()
			return false
		}
		return true
	})
	return pos
}

// findLoopVarCapture finds a loop that captures a variable of its
// iterations (see loopCapture) where Rewrite's copy of the variables would
// not give each iteration its own.
func findLoopVarCapture(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		loop, ok := n.(ast.Stmt)
		if !ok {
			return false
		}
		pos, _, copyable := loopCapture(p.info, loop)
		return pos.IsValid() && !copyable
	})
}

func findLabeledBranch(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		b, ok := n.(*ast.BranchStmt)
		return ok && (b.Label != nil || b.Tok == token.GOTO || b.Tok == token.FALLTHROUGH)
	})
}

type rangeKind int

const (
	rangeInt rangeKind = iota
	rangeFunc
)

func findRange(kind rangeKind) func(p *program) token.Pos {
	return func(p *program) token.Pos {
		return p.inspect(func(n ast.Node) bool {
			r, ok := n.(*ast.RangeStmt)
			if !ok {
				return false
			}
			t := p.info.TypeOf(r.X)
			if t == nil {
				return true // unknown: let the compiler decide
			}
			switch u := t.Underlying().(type) {
			case *types.Basic:
				return kind == rangeInt && u.Info()&types.IsInteger != 0 && !rangeIntRewritable(p.info, p.names, r)
			case *types.Signature:
				return kind == rangeFunc
			}
			return false
		})
	}
}

func findGenericMethods(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		x, ok := n.(*ast.FuncDecl)
		return ok && x.Recv != nil && x.Type.TypeParams != nil && len(x.Type.TypeParams.List) > 0
	})
}

func findGenerics(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncDecl:
			return x.Type.TypeParams != nil && len(x.Type.TypeParams.List) > 0
		case *ast.TypeSpec:
			return x.TypeParams != nil && len(x.TypeParams.List) > 0
		case *ast.IndexExpr, *ast.IndexListExpr:
			// Instantiation with explicit type arguments.
			if x, ok := x.(*ast.IndexExpr); ok {
				tv := p.info.Types[x.Index]
				return tv.IsType()
			}
			return true
		case *ast.Ident:
			switch o := p.info.Uses[x].(type) {
			case *types.Func:
				if sig, ok := o.Type().(*types.Signature); ok && sig.TypeParams().Len() > 0 {
					return true
				}
			case *types.TypeName:
				if nt, ok := o.Type().(*types.Named); ok && nt.TypeParams().Len() > 0 {
					return true
				}
			}
		}
		return false
	})
}

// findNewBuiltins finds a use of min, max or clear that Rewrite does not
// turn into code yaegi runs (see minMaxRewritable and clearRewritable).
func findNewBuiltins(p *program) token.Pos {
	cleared := map[*ast.CallExpr]bool{} // calls of clear Rewrite rewrites
	ast.Inspect(p.file, func(n ast.Node) bool {
		if s, ok := n.(*ast.ExprStmt); ok && clearRewritable(p.info, p.names, s) {
			cleared[ast.Unparen(s.X).(*ast.CallExpr)] = true
		}
		return true
	})
	return p.inspect(func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			switch builtinCall(p.info, x) {
			case "min", "max":
				return !minMaxRewritable(p.info, p.names, x)
			case "clear":
				return !cleared[x]
			}
		}
		return false
	})
}

func findMissingSymbol(p *program) token.Pos {
	for _, im := range p.file.Imports {
		path := strings.Trim(im.Path.Value, `"`)
		if !HasPackage(path) {
			return im.Pos()
		}
	}
	return p.inspect(func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return false
		}
		pn, ok := p.info.Uses[id].(*types.PkgName)
		if !ok {
			return false
		}
		return !HasSymbol(pn.Imported().Path(), sel.Sel.Name)
	})
}

// declaresMethods reports whether the program declares any method, so that
// a value of interface type may hold a program type with methods.
func (p *program) declaresMethods() bool {
	for _, d := range p.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			return true
		}
	}
	return false
}

// involvesProgramType reports whether t is, or is built from, a type the
// program declares or a struct type.
func involvesProgramType(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch x := t.(type) {
	case *types.Named:
		if x.Obj().Pkg() != nil && x.Obj().Pkg().Path() == "main" {
			return true
		}
		return false // a library type: the worker has the real one
	case *types.Alias:
		return involvesProgramType(types.Unalias(x), seen)
	case *types.Pointer:
		return involvesProgramType(x.Elem(), seen)
	case *types.Slice:
		return involvesProgramType(x.Elem(), seen)
	case *types.Array:
		return involvesProgramType(x.Elem(), seen)
	case *types.Map:
		return involvesProgramType(x.Key(), seen) || involvesProgramType(x.Elem(), seen)
	case *types.Chan:
		return involvesProgramType(x.Elem(), seen)
	case *types.Struct:
		return x.NumFields() > 0
	case *types.Signature:
		return false
	}
	return false
}

// hostCall returns the signature of a call into library code (a function
// or method of an imported package), or nil.
func (p *program) hostCall(call *ast.CallExpr) *types.Signature {
	var obj types.Object
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		if s := p.info.Selections[f]; s != nil {
			obj = s.Obj()
		} else {
			obj = p.info.Uses[f.Sel]
		}
	case *ast.Ident:
		obj = p.info.Uses[f]
	}
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() == "main" {
		return nil
	}
	sig, _ := fn.Type().(*types.Signature)
	return sig
}

func findProgramTypesAtHost(p *program) token.Pos {
	methods := p.declaresMethods()
	return p.inspect(func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return false
		}
		sig := p.hostCall(call)
		if sig == nil {
			return false
		}
		for i, arg := range call.Args {
			var param types.Type
			switch {
			case sig.Variadic() && i >= sig.Params().Len()-1:
				param = sig.Params().At(sig.Params().Len() - 1).Type()
				if call.Ellipsis == token.NoPos {
					param = param.(*types.Slice).Elem()
				}
			case i < sig.Params().Len():
				param = sig.Params().At(i).Type()
			default:
				continue
			}
			at := p.info.TypeOf(arg)
			if at == nil {
				return true
			}
			if involvesProgramType(at, map[types.Type]bool{}) && !isFunc(param) {
				return true
			}
			if methods && types.IsInterface(at) {
				return true
			}
			if methods && types.IsInterface(param) && isContainerOfInterface(at) {
				return true
			}
		}
		return false
	})
}

// displayedAtHost reports whether a value of type t passed to the display
// helpers (a parameter of type any) is one findProgramTypesAtHost finds.
func displayedAtHost(p *program, t types.Type) bool {
	if t == nil || involvesProgramType(t, map[types.Type]bool{}) {
		return true
	}
	return p.declaresMethods() && (types.IsInterface(t) || isContainerOfInterface(t))
}

func isFunc(t types.Type) bool {
	_, ok := t.Underlying().(*types.Signature)
	return ok
}

func isContainerOfInterface(t types.Type) bool {
	switch x := t.Underlying().(type) {
	case *types.Slice:
		return types.IsInterface(x.Elem())
	case *types.Map:
		return types.IsInterface(x.Elem()) || types.IsInterface(x.Key())
	case *types.Pointer:
		return types.IsInterface(x.Elem())
	}
	return false
}

func findTypeNames(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				tv := p.info.Types[x]
				s := x.Value
				if tv.Value != nil && tv.Value.Kind() == constant.String {
					s = constant.StringVal(tv.Value)
				}
				return strings.Contains(s, "%T") || strings.Contains(s, "%#v") || strings.Contains(s, "%+v")
			}
		case *ast.ImportSpec:
			path := strings.Trim(x.Path.Value, `"`)
			return path == "reflect" || path == "unsafe" || path == "runtime/debug" || path == "runtime/trace" || path == "runtime/pprof"
		}
		return false
	})
}

func findPanicValues(p *program) token.Pos {
	methods := p.declaresMethods()
	return p.inspect(func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return false
		}
		id, ok := ast.Unparen(call.Fun).(*ast.Ident)
		if !ok {
			return false
		}
		if b, ok := p.info.Uses[id].(*types.Builtin); !ok || b.Name() != "panic" {
			return false
		}
		t := p.info.TypeOf(call.Args[0])
		if t == nil {
			return true
		}
		if involvesProgramType(t, map[types.Type]bool{}) {
			return true
		}
		if b, ok := t.Underlying().(*types.Basic); ok {
			// Named basic types print as main.T(v).
			_, named := t.(*types.Named)
			return named && b.Kind() != types.String
		}
		return methods && types.IsInterface(t)
	})
}

// hostGoroutineFuncs are library functions that run program functions on
// goroutines of their own, or look at the goroutines themselves.
var hostGoroutineFuncs = map[string]bool{
	"time.AfterFunc": true, "context.AfterFunc": true, "(*sync.WaitGroup).Go": true,
	"runtime.NumGoroutine": true, "runtime.Stack": true, "runtime.Goexit": true,
	"runtime.Caller": true, "runtime.Callers": true, "runtime.FuncForPC": true,
	"runtime.SetFinalizer": true, "runtime.LockOSThread": true, "runtime.NumCgoCall": true,
	"os/signal.Notify": true, "os/signal.NotifyContext": true,
	"asyncgo/helpers/timeline.Trace": true, "asyncgo/helpers/timeline.NameGoroutine": true, "asyncgo/helpers/timeline.Named": true,
}

func findHostGoroutines(p *program) token.Pos {
	for _, im := range p.file.Imports {
		path := strings.Trim(im.Path.Value, `"`)
		if path == "net/http" || path == "net/http/httptest" || path == "os/exec" || path == "testing" {
			return im.Pos()
		}
	}
	return p.inspect(func(n ast.Node) bool {
		var obj types.Object
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if s := p.info.Selections[x]; s != nil {
				obj = s.Obj()
			} else {
				obj = p.info.Uses[x.Sel]
			}
		default:
			return false
		}
		fn, ok := obj.(*types.Func)
		return ok && fn.Pkg() != nil && hostGoroutineFuncs[fn.FullName()]
	})
}

// findDeferArgs finds a defer statement with an argument other than a
// constant or a variable that is never changed after its declaration, or
// a method whose receiver is neither such a variable nor a field of one
// that the method takes by address (see stableField).
func findDeferArgs(p *program) token.Pos {
	changed := p.changedVars()
	return p.inspect(func(n ast.Node) bool {
		d, ok := n.(*ast.DeferStmt)
		if !ok {
			return false
		}
		if sel, ok := ast.Unparen(d.Call.Fun).(*ast.SelectorExpr); ok {
			if _, isPkg := p.info.Uses[identOf(sel.X)].(*types.PkgName); !isPkg && !p.stable(sel.X, changed) && !p.stableField(sel, changed) {
				return true
			}
		}
		for _, a := range d.Call.Args {
			if !p.stable(a, changed) {
				return true
			}
		}
		return false
	})
}

// stableField reports whether sel, the method of a deferred call, has a
// pointer receiver and is selected, not through an embedded field, on a
// field of a variable the program never changes, reached through no
// pointer but the variable itself (t.mu in defer t.mu.Unlock()): Go takes
// the field's address at the defer statement, yaegi when the call runs,
// and the address is the same then.
func (p *program) stableField(sel *ast.SelectorExpr, changed map[types.Object]bool) bool {
	s := p.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal || len(s.Index()) != 1 {
		return false
	}
	sig, ok := s.Obj().Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return false
	}
	if _, ptr := sig.Recv().Type().(*types.Pointer); !ptr {
		return false
	}
	x, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	for {
		f := p.info.Selections[x]
		if f == nil || f.Kind() != types.FieldVal || len(f.Index()) != 1 {
			return false
		}
		switch base := ast.Unparen(x.X).(type) {
		case *ast.Ident:
			return p.stable(base, changed) // a pointer variable is followed once
		case *ast.SelectorExpr:
			if f.Indirect() {
				return false // through a pointer field, which may change
			}
			x = base
		default:
			return false
		}
	}
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// stable reports whether e is a constant, nil, or a variable that the
// program never changes after declaring it.
func (p *program) stable(e ast.Expr, changed map[types.Object]bool) bool {
	tv := p.info.Types[e]
	if tv.Value != nil || tv.IsNil() {
		return true
	}
	id := identOf(e)
	if id == nil {
		return false
	}
	obj, ok := p.info.Uses[id].(*types.Var)
	return ok && !changed[obj]
}

// changedVars returns the variables the program assigns after declaring
// them, takes the address of, or declares in a loop header.
func (p *program) changedVars() map[types.Object]bool {
	changed := map[types.Object]bool{}
	mark := func(e ast.Expr) {
		if id := identOf(e); id != nil {
			if o := p.info.Uses[id]; o != nil {
				changed[o] = true
			}
		}
	}
	ast.Inspect(p.file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			for _, l := range x.Lhs {
				mark(l)
			}
		case *ast.IncDecStmt:
			mark(x.X)
		case *ast.UnaryExpr:
			if x.Op == token.AND {
				mark(x.X)
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{x.Key, x.Value} {
				if id := identOf(e); id != nil {
					if o := p.info.Defs[id]; o != nil {
						changed[o] = true
					}
					mark(e)
				}
			}
		case *ast.ForStmt:
			if as, ok := x.Init.(*ast.AssignStmt); ok {
				for _, l := range as.Lhs {
					if id := identOf(l); id != nil && p.info.Defs[id] != nil {
						changed[p.info.Defs[id]] = true
					}
				}
			}
		}
		return true
	})
	return changed
}

func findMultiAssignComposite(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Rhs) < 2 {
			return false
		}
		for _, r := range as.Rhs {
			if _, ok := ast.Unparen(r).(*ast.CompositeLit); ok {
				return true
			}
			if u, ok := ast.Unparen(r).(*ast.UnaryExpr); ok && u.Op == token.AND {
				if _, ok := u.X.(*ast.CompositeLit); ok {
					return true
				}
			}
		}
		return false
	})
}

// findMultiAssignCall finds an assignment of two or more values one of
// which contains a function call (conversions do not count). The defect
// was seen with a field of a value of a compiled package's type beside
// the call; every such assignment is kept from yaegi, since which other
// shapes it reaches is not known.
func findMultiAssignCall(p *program) token.Pos {
	return p.inspect(func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Rhs) < 2 {
			return false
		}
		call := false
		for _, r := range as.Rhs {
			ast.Inspect(r, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if ok && !p.info.Types[c.Fun].IsType() {
					call = true
				}
				return !call
			})
		}
		return call
	})
}
