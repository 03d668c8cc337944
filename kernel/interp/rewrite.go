package interp

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"asyncgo/kernel/typecheck"
)

// hostImport is how a rewritten program imports the worker's own package,
// which holds Crash.
const (
	hostImport = `gokernel_host "gokernel"`
	// deferCrash ends the worker when the goroutine panics. (yaegi's
	// recover works only in a function literal deferred in place.)
	deferCrash = "defer func() { if r := recover(); r != nil { gokernel_host.Crash(r) } }()"
)

// Rewrite returns the source of the type-checked program res (whose text
// is src) with every go statement wrapped, so that a panic in the new
// goroutine ends the worker the way the Go runtime ends a program:
//
//	go f(x, y)
//
// becomes
//
//	{ f0, a0, a1 := f, x, y; go func() { defer func() { ...recover... }(); f0(a0, a1) }() }
//
// which evaluates the function value and arguments in the calling
// goroutine, as a go statement does. Constants, declared functions and
// function literals are not copied. Line structure is kept; //line
// directives are blanked.
func Rewrite(res *typecheck.Result, src []byte) []byte {
	return dropLineDirectives(wrapGoStatements(res, src))
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

func wrapGoStatements(res *typecheck.Result, src []byte) []byte {
	tf := res.Fset.File(res.File.Pos())
	if tf == nil {
		return src
	}
	var stmts []*ast.GoStmt
	ast.Inspect(res.File, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			stmts = append(stmts, g)
		}
		return true
	})
	if len(stmts) == 0 {
		return src
	}
	sort.Slice(stmts, func(i, j int) bool { return stmts[i].Pos() < stmts[j].Pos() })
	rw := &rewriter{src: src, file: tf, info: res.Info, stmts: stmts}
	body := rw.text(res.File.Name.End(), token.Pos(tf.Base()+tf.Size()))
	head := string(src[:tf.Offset(res.File.Name.End())])
	return []byte(head + "; import " + hostImport + body)
}

type rewriter struct {
	src   []byte
	file  *token.File
	info  *types.Info
	stmts []*ast.GoStmt
	n     int
}

// text returns the source between lo and hi with the go statements inside
// rewritten.
func (rw *rewriter) text(lo, hi token.Pos) string {
	var b strings.Builder
	at := lo
	for _, g := range rw.stmts {
		if g.Pos() < at || g.End() > hi {
			continue
		}
		b.Write(rw.src[rw.file.Offset(at):rw.file.Offset(g.Pos())])
		b.WriteString(rw.wrap(g))
		at = g.End()
	}
	b.Write(rw.src[rw.file.Offset(at):rw.file.Offset(hi)])
	return b.String()
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
