package interp

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"asyncgo/kernel/typecheck"
)

// hostImport is how a rewritten program imports the worker's own package,
// which holds Crash, Unwind, Index and the Slice checks.
const (
	hostImport = `gokernel_host "gokernel"`
	// deferCrash ends the worker when the goroutine panics. (yaegi's
	// recover works only in a function literal deferred in place.)
	deferCrash = "defer func() { if r := recover(); r != nil { gokernel_host.Crash(r) } }()"
	// lineVar holds, in each function of the program, the line of the
	// statement it is running, for the crash report.
	lineVar = "gokernel_ln"
)

// Rewrite returns the source of the type-checked program res (whose text
// is src) rewritten so that yaegi fails the way the compiled program
// fails:
//
//   - every go statement is wrapped, so that a panic in the new goroutine
//     ends the worker the way the Go runtime ends a program:
//
//     go f(x, y)
//
//     becomes
//
//     { f0, a0, a1 := f, x, y; go func() { defer func() { ...recover... }(); f0(a0, a1) }() }
//
//     which evaluates the function value and arguments in the calling
//     goroutine, as a go statement does. Constants, declared functions and
//     function literals are not copied.
//
//   - every function notes the line of the statement it runs in a local
//     variable and, when a panic unwinds it, tells the worker (Unwind), so
//     the crash report names the line where the panic happened, as Go's
//     does (yaegi's own report names the first line of the function). A
//     statement that can neither panic nor block (cannotFail) notes
//     nothing; a for loop whose condition or post statement may fail
//     notes their line again at the end of its body and at its continues;
//     an else if that may fail becomes else { note; if ... }.
//
//   - main also notes its line in the worker (MainLine), so that the
//     engine can name it when the program deadlocks;
//
//   - a for or range loop that captures a variable it declares (in a
//     function literal, or by address) copies the variable at the start
//     of its body, v := v, when that gives each iteration its own as Go
//     does (see loopCapture; yaegi shares one across iterations);
//
//   - the index of s[i] on a slice, array or string is checked by the
//     worker (Index), which panics with the runtime's own error
//     ("index out of range [5] with length 3"; yaegi's lacks the numbers).
//
//   - the bounds of s[lo:hi] and s[lo:hi:max] are checked by the worker
//     (Slice, Slice3, SliceL) when the operand and bounds can be evaluated
//     again (checkableSlice), which panics with the runtime's own error
//     ("slice bounds out of range [:5] with capacity 3").
//
//   - a range over an integer becomes a three-clause loop with a hidden
//     counter (see rangeInt), a call of min or max on integers or strings
//     its constant value or a call of a helper declared after the
//     program's last line (minMax), and clear of a map or slice a loop
//     (clearStmt): yaegi v0.16.1 has none of them. The router keeps the
//     shapes these do not cover from yaegi.
//
//   - a division or remainder of untyped integer constants becomes its
//     value, which yaegi computes as a float in a float context (see
//     untypedIntDivision).
//
//   - the functions the program can never call, and the imports only
//     they use, are left out (see findDeadCode).
//
// Line structure is kept; //line directives are blanked. A program with an
// index the rewrite cannot check is one the router keeps from yaegi (the
// failure-report class).
func Rewrite(res *typecheck.Result, src []byte) []byte {
	return dropLineDirectives(rewrite(res, src, false))
}

// displayImport is how a rewritten program that displays its last call
// imports the display helpers, under the name cell.Generate gives them.
const displayImport = `gokernel_display "asyncgo/helpers/display"`

// RewriteDisplayingLastCall is Rewrite for a program whose last statement
// in main is a call with one result, which it also passes to
// asyncgo/helpers/display.Result: the program cell.Generate writes with
// GenerateOptions.DisplayCall, from the type check of the one it writes
// without. Line structure is kept, so a crash report's lines are src's.
func RewriteDisplayingLastCall(res *typecheck.Result, src []byte) []byte {
	return dropLineDirectives(rewrite(res, src, true))
}

// dropLineDirectives blanks the //line directives of src, keeping its
// lines: yaegi v0.16.1 crashes compiling some programs that have them.
func dropLineDirectives(src []byte) []byte {
	lines := bytes.SplitAfter(src, []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("//line ")) {
			lines[i] = []byte("//\n")
		}
	}
	return bytes.Join(lines, nil)
}

// insertion is text to insert before the source at pos.
type insertion struct {
	pos  token.Pos
	text string
}

func rewrite(res *typecheck.Result, src []byte, displayLast bool) []byte {
	tf := res.Fset.File(res.File.Pos())
	if tf == nil {
		return src
	}
	rw := &rewriter{src: src, file: tf, info: res.Info, types: newTypeNames(res.Info, res.File)}
	dead := findDeadCode(res.File, res.Info)
	for _, d := range res.File.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && dead.funcs[fd] {
			rw.drop(fd)
			continue
		}
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			rw.function(funcName(fd), fd.Body)
			continue
		}
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			for _, s := range g.Specs {
				switch {
				case !dead.imports[s.(*ast.ImportSpec)]:
				case g.Lparen.IsValid():
					rw.drop(s)
				default:
					rw.drop(g)
				}
			}
			continue
		}
		rw.collect("main.init", d)
	}
	imports := "; import " + hostImport
	if e := lastExpr(res.File); displayLast && e != nil {
		// After the statement's line note at the same position; the
		// closing parenthesis before anything else at the end.
		rw.insert(e.Pos(), "gokernel_display.Result(")
		rw.inserts = append([]insertion{{e.End(), ")"}}, rw.inserts...)
		imports += "; import " + displayImport
	}
	sort.Slice(rw.stmts, func(i, j int) bool { return rw.stmts[i].Pos() < rw.stmts[j].Pos() })
	sort.SliceStable(rw.inserts, func(i, j int) bool { return rw.inserts[i].pos < rw.inserts[j].pos })
	sort.Slice(rw.cuts, func(i, j int) bool { return rw.cuts[i].lo < rw.cuts[j].lo })
	body := rw.text(res.File.Name.End(), token.Pos(tf.Base()+tf.Size()))
	head := string(src[:tf.Offset(res.File.Name.End())])
	return []byte(head + imports + body + rw.helpersText())
}

// drop leaves n out of the program, keeping its lines.
func (rw *rewriter) drop(n ast.Node) {
	rw.cuts = append(rw.cuts, cut{n.Pos(), n.End(), rw.breaks(n.Pos(), n.End())})
}

// lastExpr returns the expression of main's last statement, when that
// statement is an expression.
func lastExpr(f *ast.File) ast.Expr {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil || len(fd.Body.List) == 0 {
			continue
		}
		if es, ok := fd.Body.List[len(fd.Body.List)-1].(*ast.ExprStmt); ok {
			return es.X
		}
		return nil
	}
	return nil
}

// funcName returns the name the Go runtime gives a declared function in a
// trace.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return "main." + fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if star, ok := t.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return "main.(*" + id.Name + ")." + fd.Name.Name
		}
	}
	if id, ok := t.(*ast.Ident); ok {
		return "main." + id.Name + "." + fd.Name.Name
	}
	return "main." + fd.Name.Name
}

type rewriter struct {
	src     []byte
	file    *token.File
	info    *types.Info
	stmts   []*ast.GoStmt
	inserts []insertion
	n       int
	// lines holds the line a statement notes when it is not its own: a
	// continue notes the line of its loop's condition or post statement,
	// which run next.
	lines map[ast.Stmt]int
	// cuts are the source the rewrite replaces (see desugar.go), which
	// do not overlap.
	cuts  []cut
	types typeNames
	// helpers are declarations the rewrite adds at the end of the
	// program; helperNames maps what each does to its name.
	helpers     []string
	helperNames map[string]string
}

func (rw *rewriter) insert(pos token.Pos, text string) {
	rw.inserts = append(rw.inserts, insertion{pos, text})
}

// line returns the line of pos in the program as written, ignoring
// //line directives: the worker's report gives program lines, which the
// engine maps to cell lines.
func (rw *rewriter) line(pos token.Pos) int {
	return rw.file.PositionFor(pos, false).Line
}

// function instruments the body of the function named name.
func (rw *rewriter) function(name string, body *ast.BlockStmt) {
	rw.insert(body.Lbrace+1, fmt.Sprintf(" %s := %d; defer func() { if r := recover(); r != nil { panic(gokernel_host.Unwind(r, %q, %s)) } }();", lineVar, rw.line(body.Lbrace), name, lineVar))
	literals := 0
	rw.collectIn(name, body, &literals)
}

// mainLine is the worker's variable that main notes its lines in, which
// the engine reads after a deadlock (Go's report names the line main is
// blocked at; the runtime's report of the worker names none).
const mainLineVar = "*gokernel_host.MainLine"

// collect finds the function literals, go statements and index
// expressions of a declaration outside any function.
func (rw *rewriter) collect(name string, n ast.Node) {
	literals := 0
	rw.collectIn(name, n, &literals)
}

func (rw *rewriter) collectIn(name string, root ast.Node, literals *int) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			*literals++
			rw.function(fmt.Sprintf("%s.func%d", name, *literals), x.Body)
			return false
		case *ast.BlockStmt:
			rw.statements(name, x.List)
		case *ast.CaseClause:
			rw.statements(name, x.Body)
		case *ast.CommClause:
			rw.statements(name, x.Body)
		case *ast.GoStmt:
			rw.stmts = append(rw.stmts, x)
		case *ast.ForStmt:
			rw.loop(name, x)
			rw.copyLoopVars(x, x.Body)
		case *ast.RangeStmt:
			if isRangeInt(rw.info, x) && rangeIntRewritable(rw.info, rw.types, x) {
				rw.rangeInt(x)
			} else {
				rw.copyLoopVars(x, x.Body)
			}
		case *ast.ExprStmt:
			if call, ok := ast.Unparen(x.X).(*ast.CallExpr); ok && builtinCall(rw.info, call) == "clear" && clearRewritable(rw.info, rw.types, x) {
				rw.clearStmt(x)
				return false
			}
		case *ast.CallExpr:
			if fn := builtinCall(rw.info, x); (fn == "min" || fn == "max") && minMaxRewritable(rw.info, rw.types, x) {
				rw.minMax(x, fn)
				if rw.info.Types[x].Value != nil {
					return false // the call is gone
				}
			}
		case *ast.BinaryExpr:
			if untypedIntDivision(rw.info, x) {
				rw.constant(x, "", constant.ToInt(rw.info.Types[x].Value))
				return false
			}
		case *ast.IfStmt:
			rw.elseIf(name, x)
		case *ast.SliceExpr:
			if mayFailSlice(rw.info, x) && checkableSlice(rw.info, x) {
				rw.slice(x)
			}
		case *ast.IndexExpr:
			if checkedIndex(rw.info, x) && repeatable(rw.info, x.X) {
				rw.insert(x.Index.Pos(), "gokernel_host.Index(int(")
				rw.insert(x.Index.End(), "), len("+string(rw.src[rw.file.Offset(x.X.Pos()):rw.file.Offset(x.X.End())])+"))")
			}
		}
		return true
	})
}

// slice makes the worker check the bounds of x, a slice expression
// checkableSlice accepts, before yaegi slices: the low bound (0 when
// omitted) becomes a call that returns it or panics as Go does.
func (rw *rewriter) slice(x *ast.SliceExpr) {
	src := func(e ast.Expr) string {
		return "int(" + string(rw.src[rw.file.Offset(e.Pos()):rw.file.Offset(e.End())]) + ")"
	}
	operand := string(rw.src[rw.file.Offset(x.X.Pos()):rw.file.Offset(x.X.End())])
	high := "len(" + operand + ")"
	if x.High != nil {
		high = src(x.High)
	}
	var call string
	switch {
	case x.Slice3:
		call = fmt.Sprintf("gokernel_host.Slice3(%%s, %s, %s, cap(%s))", high, src(x.Max), operand)
	case sliceHasCap(rw.info, x):
		call = fmt.Sprintf("gokernel_host.Slice(%%s, %s, len(%s), cap(%s))", high, operand, operand)
	default:
		call = fmt.Sprintf("gokernel_host.SliceL(%%s, %s, len(%s))", high, operand)
	}
	if x.Low == nil {
		rw.insert(x.Lbrack+1, fmt.Sprintf(call, "0"))
		return
	}
	open, rest, _ := strings.Cut(call, "%s")
	rw.insert(x.Low.Pos(), open+"int(")
	rw.insert(x.Low.End(), ")"+rest)
}

// statements makes each statement of a list in the function fn note its
// line first; in main, for the worker too.
func (rw *rewriter) statements(fn string, list []ast.Stmt) {
	for _, s := range list {
		switch s.(type) {
		case *ast.EmptyStmt, *ast.CaseClause, *ast.CommClause:
			// The clauses of a switch or select: their statements are
			// noted in their own lists.
			continue
		}
		if cannotFail(rw.info, s) {
			// Nothing to report at its line: noting it would only slow
			// down the loops such statements fill (sum += i).
			continue
		}
		line, ok := rw.lines[s]
		if !ok {
			line = rw.line(s.Pos())
		}
		rw.insert(s.Pos(), note(fn, line))
	}
}

// note returns the statements by which the function fn notes line.
func note(fn string, line int) string {
	n := fmt.Sprintf("%s = %d; ", lineVar, line)
	if fn == "main.main" {
		n += fmt.Sprintf("%s = %d; ", mainLineVar, line)
	}
	return n
}

// loop makes the for loop x in the function fn, when its condition or
// post statement may panic or block, note their line at the end of its
// body and at each continue of its own: they run after the body, whose
// statements noted their lines. (A labeled continue keeps a program from
// yaegi: see the labeled-branch class.)
func (rw *rewriter) loop(fn string, x *ast.ForStmt) {
	var at ast.Node
	if x.Post != nil && !cannotFail(rw.info, x.Post) {
		at = x.Post
	}
	if x.Cond != nil && !safeExpr(rw.info, x.Cond, false) {
		at = x.Cond
	}
	if at == nil {
		return
	}
	line := rw.line(at.Pos())
	rw.insert(x.Body.Rbrace, note(fn, line))
	ast.Inspect(x.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.ForStmt, *ast.RangeStmt:
			return false // their continues are their own
		case *ast.BranchStmt:
			if n.Tok == token.CONTINUE && n.Label == nil {
				if rw.lines == nil {
					rw.lines = map[ast.Stmt]int{}
				}
				rw.lines[n] = line
			}
		}
		return true
	})
}

// copyLoopVars gives each iteration of loop, whose body is body, its own
// variables, as Go 1.22 does and yaegi does not, when the loop captures
// them and a copy behaves as Go's (see loopCapture): the body starts with
// v := v; _ = v.
func (rw *rewriter) copyLoopVars(loop ast.Stmt, body *ast.BlockStmt) {
	pos, vars, copyable := loopCapture(rw.info, loop)
	if !pos.IsValid() || !copyable {
		return
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, " %s := %s; _ = %s;", v.Name, v.Name, v.Name)
	}
	rw.insert(body.Lbrace+1, b.String())
}

// elseIf makes the else if of x in the function fn, when its init
// statement or condition may panic or block, note its line: it becomes
// else { note; if ... }.
func (rw *rewriter) elseIf(fn string, x *ast.IfStmt) {
	e, ok := x.Else.(*ast.IfStmt)
	if !ok || (safeExpr(rw.info, e.Cond, false) && (e.Init == nil || cannotFail(rw.info, e.Init))) {
		return
	}
	rw.insert(e.Pos(), "{ "+note(fn, rw.line(e.Pos())))
	rw.insert(e.End(), " }")
}

// cannotFail reports whether s can neither panic nor block: an
// assignment or increment of variables from arithmetic, bitwise and
// comparison operations, conversions and lengths on numbers, booleans and
// strings, with no division, shift, index, call or indirection (integer
// overflow wraps; it does not panic). A panic or a deadlock happens at a
// noted statement, so its line is still right.
func cannotFail(info *types.Info, s ast.Stmt) bool {
	switch x := s.(type) {
	case *ast.IncDecStmt:
		return safeExpr(info, x.X, true)
	case *ast.AssignStmt:
		switch x.Tok {
		case token.QUO_ASSIGN, token.REM_ASSIGN, token.SHL_ASSIGN, token.SHR_ASSIGN:
			return false
		}
		for _, e := range x.Lhs {
			if !safeExpr(info, e, true) {
				return false
			}
		}
		for _, e := range x.Rhs {
			if !safeExpr(info, e, false) {
				return false
			}
		}
		return true
	}
	return false
}

// safeExpr reports whether evaluating e (or assigning to it, when lhs)
// cannot panic: see cannotFail.
func safeExpr(info *types.Info, e ast.Expr, lhs bool) bool {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok && id.Name == "_" {
		return true
	}
	if _, basic := info.TypeOf(e).(*types.Basic); !basic {
		return false
	}
	if tv := info.Types[e]; tv.Value != nil {
		return !lhs
	}
	switch x := e.(type) {
	case *ast.Ident:
		_, ok := info.ObjectOf(x).(*types.Var)
		return ok
	case *ast.BasicLit:
		return !lhs
	case *ast.UnaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.NOT, token.XOR:
			return !lhs && safeExpr(info, x.X, false)
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.MUL, token.AND, token.OR, token.XOR, token.AND_NOT,
			token.LAND, token.LOR, token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
			return !lhs && safeExpr(info, x.X, false) && safeExpr(info, x.Y, false)
		}
	case *ast.CallExpr:
		// A conversion to a basic type from one (float64(i)), or the
		// length or capacity of a variable; a call to a function may
		// panic.
		if tv := info.Types[x.Fun]; tv.IsType() && len(x.Args) == 1 {
			return !lhs && safeExpr(info, x.Args[0], false)
		}
		if (isBuiltin(info, x.Fun, "len") || isBuiltin(info, x.Fun, "cap")) && len(x.Args) == 1 {
			id, ok := ast.Unparen(x.Args[0]).(*ast.Ident)
			if !ok {
				return false
			}
			_, v := info.ObjectOf(id).(*types.Var)
			return !lhs && v
		}
	}
	return false
}

// checkedIndex reports whether the index of x is one the rewrite checks:
// an index into a slice, string, array or pointer to array that the
// compiler does not check already (a constant index into an array).
func checkedIndex(info *types.Info, x *ast.IndexExpr) bool {
	tv, ok := info.Types[x.X]
	if !ok || !tv.IsValue() {
		return false
	}
	t := tv.Type.Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	switch t := t.(type) {
	case *types.Slice:
	case *types.Array:
		if iv, ok := info.Types[x.Index]; ok && iv.Value != nil {
			return false
		}
	case *types.Basic:
		if t.Info()&types.IsString == 0 {
			return false
		}
		if tv.Value != nil {
			// A constant string: the compiler checks a constant index.
			if iv, ok := info.Types[x.Index]; ok && iv.Value != nil {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// repeatable reports whether e can be evaluated a second time with the
// same result and no side effect: the rewrite of an index evaluates the
// indexed operand again for its length.
func repeatable(info *types.Info, e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		if _, ok := info.Selections[x]; ok {
			return repeatable(info, x.X)
		}
		return true // a qualified identifier
	case *ast.StarExpr:
		return repeatable(info, x.X)
	case *ast.IndexExpr:
		return repeatable(info, x.X) && repeatable(info, x.Index)
	}
	return false
}

// text returns the source between lo and hi with the go statements inside
// rewritten and the insertions made.
func (rw *rewriter) text(lo, hi token.Pos) string {
	var b strings.Builder
	at := lo
	for _, g := range rw.stmts {
		if g.Pos() < at || g.End() > hi {
			continue
		}
		rw.copy(&b, at, g.Pos())
		// The line note before the go statement.
		for _, in := range rw.inserts {
			if in.pos == g.Pos() {
				b.WriteString(in.text)
			}
		}
		b.WriteString(rw.wrap(g))
		at = g.End()
	}
	rw.copy(&b, at, hi)
	return b.String()
}

// copy writes the source in [lo, hi) with the insertions at positions in
// it, except one at lo that belongs to a go statement text writes itself,
// and the cuts that lie in it made.
func (rw *rewriter) copy(b *strings.Builder, lo, hi token.Pos) {
	at := lo
	cuts := rw.cuts
	// cutBefore makes the cuts that start before pos.
	cutBefore := func(pos token.Pos) {
		for ; len(cuts) > 0 && cuts[0].lo < pos; cuts = cuts[1:] {
			c := cuts[0]
			if c.lo < at || c.hi > hi {
				continue
			}
			b.Write(rw.src[rw.file.Offset(at):rw.file.Offset(c.lo)])
			b.WriteString(c.text)
			at = c.hi
		}
	}
	for _, in := range rw.inserts {
		if in.pos < lo || in.pos >= hi {
			continue
		}
		if in.pos == lo && rw.isGoStmt(lo) {
			continue
		}
		cutBefore(in.pos)
		if in.pos < at {
			continue // inside a cut
		}
		b.Write(rw.src[rw.file.Offset(at):rw.file.Offset(in.pos)])
		b.WriteString(in.text)
		at = in.pos
	}
	cutBefore(hi)
	b.Write(rw.src[rw.file.Offset(at):rw.file.Offset(hi)])
}

func (rw *rewriter) isGoStmt(pos token.Pos) bool {
	for _, g := range rw.stmts {
		if g.Pos() == pos {
			return true
		}
	}
	return false
}

func (rw *rewriter) wrap(g *ast.GoStmt) string {
	rw.n++
	id := rw.n
	call := g.Call
	var names, values []string
	fun := rw.text(call.Fun.Pos(), call.Fun.End())
	if rw.mustCopyFunc(call.Fun) {
		name := fmt.Sprintf("gokernel_f%d", id)
		names, values = append(names, name), append(values, fun)
		fun = name
	}
	var args []string
	for i, a := range call.Args {
		text := rw.text(a.Pos(), a.End())
		tv := rw.info.Types[a]
		if tup, ok := tv.Type.(*types.Tuple); ok && len(call.Args) == 1 {
			var parts []string
			for j := 0; j < tup.Len(); j++ {
				parts = append(parts, fmt.Sprintf("gokernel_a%d_%d", id, j))
			}
			rw.n++
			return fmt.Sprintf("{ %s := %s; go func() { %s; %s(%s) }() }", strings.Join(parts, ", "), text, deferCrash, fun, strings.Join(parts, ", "))
		}
		if tv.Value != nil || tv.IsNil() || tv.IsType() {
			args = append(args, text)
			continue
		}
		name := fmt.Sprintf("gokernel_a%d_%d", id, i)
		names, values = append(names, name), append(values, text)
		args = append(args, name)
	}
	ellipsis := ""
	if call.Ellipsis.IsValid() {
		ellipsis = "..."
	}
	var b bytes.Buffer
	b.WriteString("{ ")
	if len(names) > 0 {
		fmt.Fprintf(&b, "%s := %s; ", strings.Join(names, ", "), strings.Join(values, ", "))
	}
	fmt.Fprintf(&b, "go func() { %s; %s(%s%s) }() }", deferCrash, fun, strings.Join(args, ", "), ellipsis)
	return b.String()
}

// mustCopyFunc reports whether evaluating the function of a go statement
// later could differ from evaluating it now.
func (rw *rewriter) mustCopyFunc(e ast.Expr) bool {
	switch f := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		return false
	case *ast.Ident:
		switch rw.info.Uses[f].(type) {
		case *types.Func, *types.Builtin:
			return false
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if _, ok := rw.info.Uses[id].(*types.PkgName); ok {
				return false
			}
		}
	}
	return true
}
