package editor

import (
	"context"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/typecheck"
)

// openBrackets returns the closing brackets that the brackets left open in
// code need, innermost first. ok is false when code ends inside a string,
// a rune literal or a comment.
func openBrackets(code string) (closers string, ok bool) {
	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	ok = true
	s.Init(f, []byte(code), func(token.Position, string) { ok = false }, scanner.ScanComments)
	var stack []byte
	lastEnd, lastTok := -1, token.ILLEGAL
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN:
			stack = append(stack, ')')
		case token.LBRACK:
			stack = append(stack, ']')
		case token.LBRACE:
			stack = append(stack, '}')
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		lastTok, lastEnd = tok, f.Offset(pos)+len(lit)
	}
	if lastTok == token.COMMENT && lastEnd >= len(code) && !strings.HasSuffix(code, "\n") {
		return "", false // the cursor is in a comment
	}
	slices.Reverse(stack)
	return string(stack), ok
}

// completeTypes answers a completion query from the type checker.
func (e *Editor) completeTypes(ctx context.Context, q *Query) (*Completion, error) {
	chk, err := e.checker(q.prog)
	if err != nil {
		return nil, err
	}
	res, err := chk.Check(ctx, q.prog.Source, q.prog.Imports)
	if err != nil {
		return nil, err
	}
	tf := res.Fset.File(res.File.Pos())
	pos := tf.Pos(q.off)
	src := q.prog.Source

	// The name being typed, up to the cursor.
	start := q.off
	for start > 0 && isIdentByte(src[start-1]) {
		start--
	}
	end := q.off
	for q.whole && end < len(src) && isIdentByte(src[end]) {
		end++
	}
	prefix := string(src[start:q.off])
	c := &Completion{Source: "go/types"}
	c.Start, c.End = q.cellSpan(start, end)

	qual := types.RelativeTo(res.Pkg)
	seen := map[string]bool{}
	add := func(obj types.Object) {
		name := obj.Name()
		if name == "_" || seen[name] || !strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
			return
		}
		seen[name] = true
		c.Matches = append(c.Matches, Match{Text: name, Kind: objectKind(obj), Signature: signature(obj, qual)})
	}

	if sel := selectorAt(res.File, pos, start == q.off); sel != nil {
		members(res, sel.X, add)
		sortMatches(c.Matches)
		return c, nil
	}
	var scope *types.Scope
	if fs := res.Info.Scopes[res.File]; fs != nil {
		scope = fs.Innermost(pos)
	}
	for s := scope; s != nil; s = s.Parent() {
		local := s != types.Universe && s.Parent() != types.Universe && s != res.Pkg.Scope()
		for _, n := range s.Names() {
			obj := s.Lookup(n)
			if local && obj.Pos() > pos {
				continue // declared after the cursor
			}
			if strings.HasPrefix(n, "gokernel_") || (s == types.Universe && !token.IsExported(n) && n != "nil" && strings.ToLower(n) != n) {
				continue
			}
			add(obj)
		}
	}
	for _, k := range keywords {
		if strings.HasPrefix(k, prefix) && !seen[k] {
			seen[k] = true
			c.Matches = append(c.Matches, Match{Text: k, Kind: "keyword"})
		}
	}
	sortMatches(c.Matches)
	return c, nil
}

// selectorAt returns the selector expression whose selected name holds
// pos (or starts right after its dot, when atDot).
func selectorAt(f *ast.File, pos token.Pos, atDot bool) *ast.SelectorExpr {
	var found *ast.SelectorExpr
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || found != nil {
			return false
		}
		if n.Pos() > pos || n.End() < pos {
			return false
		}
		if s, ok := n.(*ast.SelectorExpr); ok && s.Sel.Pos() <= pos && pos <= s.Sel.End() {
			found = s
			return false
		}
		return true
	})
	return found
}

// members calls add for the members of x: a package's exported names, or
// the fields and methods of a value or type.
func members(res *typecheck.Result, x ast.Expr, add func(types.Object)) {
	if id, ok := x.(*ast.Ident); ok {
		if pn, ok := res.Info.Uses[id].(*types.PkgName); ok {
			sc := pn.Imported().Scope()
			for _, n := range sc.Names() {
				if token.IsExported(n) {
					add(sc.Lookup(n))
				}
			}
			return
		}
	}
	tv, ok := res.Info.Types[x]
	if !ok || tv.Type == nil {
		return
	}
	t := tv.Type
	visible := func(obj types.Object) bool { return obj.Exported() || obj.Pkg() == res.Pkg }
	if !tv.IsType() {
		fields(t, 0, func(v *types.Var) {
			if visible(v) {
				add(v)
			}
		})
	}
	mt := t
	if _, isPtr := t.(*types.Pointer); !isPtr && !types.IsInterface(t) {
		mt = types.NewPointer(t)
	}
	ms := types.NewMethodSet(mt)
	for i := range ms.Len() {
		if obj := ms.At(i).Obj(); visible(obj) {
			add(obj)
		}
	}
}

// fields calls add for the fields of struct type t (or a pointer to one),
// promoted fields of embedded structs included, to a small depth.
func fields(t types.Type, depth int, add func(*types.Var)) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || depth > 3 {
		return
	}
	for f := range st.Fields() {
		add(f)
		if f.Embedded() {
			fields(f.Type(), depth+1, add)
		}
	}
}

// objectKind names the kind of obj as Match.Kind does.
func objectKind(obj types.Object) string {
	switch o := obj.(type) {
	case *types.Func:
		if o.Signature().Recv() != nil {
			return "method"
		}
		return "function"
	case *types.Builtin:
		return "function"
	case *types.Var:
		if o.IsField() {
			return "field"
		}
		return "variable"
	case *types.Const:
		return "constant"
	case *types.TypeName:
		return "class"
	case *types.PkgName:
		return "module"
	case *types.Nil:
		return "constant"
	}
	return "text"
}

// signature returns the type of obj, or a func's signature.
func signature(obj types.Object, qual types.Qualifier) string {
	switch o := obj.(type) {
	case *types.Func:
		return types.TypeString(o.Type(), qual)
	case *types.TypeName:
		return types.TypeString(o.Type().Underlying(), qual)
	case *types.PkgName:
		return "package " + o.Imported().Path()
	case *types.Builtin, *types.Nil:
		return ""
	}
	return types.TypeString(obj.Type(), qual)
}

// sortMatches orders matches by name, keywords last.
func sortMatches(m []Match) {
	slices.SortStableFunc(m, func(a, b Match) int {
		if ka, kb := a.Kind == "keyword", b.Kind == "keyword"; ka != kb {
			if ka {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Text, b.Text)
	})
}

// inspectTypes answers an inspection query from the type checker: the
// object's declaration, and its documentation read from the source with
// go/doc, as gopls would give it.
func (e *Editor) inspectTypes(ctx context.Context, prog *cell.Program, off int) (*Inspection, error) {
	chk, err := e.checker(prog)
	if err != nil {
		return nil, err
	}
	res, err := chk.Check(ctx, prog.Source, prog.Imports)
	if err != nil {
		return nil, err
	}
	pos := res.Fset.File(res.File.Pos()).Pos(off)
	var obj types.Object
	ast.Inspect(res.File, func(n ast.Node) bool {
		if n == nil || obj != nil || n.Pos() > pos || n.End() < pos {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && id.Pos() <= pos && pos < id.End() {
			obj = res.Info.Uses[id]
			if obj == nil {
				obj = res.Info.Defs[id]
			}
		}
		return true
	})
	if obj == nil {
		return &Inspection{Source: "go/types"}, nil
	}
	text := types.ObjectString(obj, types.RelativeTo(res.Pkg))
	markdown := "```go\n" + text + "\n```"
	var docText string
	if obj.Pkg() == res.Pkg {
		docText = cellDoc(prog.Source, res.Fset.Position(obj.Pos()).Offset)
	} else {
		docText = e.packageDoc(obj)
	}
	if docText = strings.TrimSpace(docText); docText != "" {
		text += "\n\n" + docText
		markdown += "\n\n" + docText
	}
	return &Inspection{Found: true, Text: text, Markdown: markdown, Source: "go/types"}, nil
}

// cellDoc returns the doc comment of the declaration in the cell program
// src whose name is at offset off.
func cellDoc(src []byte, off int) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil && f == nil {
		return ""
	}
	at := func(id *ast.Ident) bool { return id != nil && fset.Position(id.Pos()).Offset == off }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if at(d.Name) {
				return d.Doc.Text()
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				var names []*ast.Ident
				var specDoc *ast.CommentGroup
				switch s := spec.(type) {
				case *ast.TypeSpec:
					names, specDoc = []*ast.Ident{s.Name}, s.Doc
				case *ast.ValueSpec:
					names, specDoc = s.Names, s.Doc
				}
				if slices.ContainsFunc(names, at) {
					if specDoc != nil {
						return specDoc.Text()
					}
					return d.Doc.Text()
				}
			}
		}
	}
	return ""
}

// packageDoc returns the documentation of obj, declared in another
// package, read with go/doc from that package's source: the standard
// library's in the GOROOT of the cells' go command, other packages' where
// the workspace module finds them.
func (e *Editor) packageDoc(obj types.Object) string {
	if obj.Pkg() == nil {
		return "" // a builtin
	}
	ctxt := build.Default
	if goCmd, err := filepath.EvalSymlinks(e.cfg.Workspace.Go()); err == nil {
		ctxt.GOROOT = filepath.Dir(filepath.Dir(goCmd))
	}
	bp, err := ctxt.Import(obj.Pkg().Path(), e.cfg.Workspace.Dir(), build.FindOnly)
	if err != nil {
		return ""
	}
	entries, err := os.ReadDir(bp.Dir)
	if err != nil {
		return ""
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, en := range entries {
		name := en.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, _ := ctxt.MatchFile(bp.Dir, name); !ok {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err == nil {
			files = append(files, f)
		}
	}
	p, err := doc.NewFromFiles(fset, files, obj.Pkg().Path())
	if err != nil {
		return ""
	}
	return docOf(p, obj)
}

// docOf finds the documentation of obj in p.
func docOf(p *doc.Package, obj types.Object) string {
	name := obj.Name()
	inValues := func(vs []*doc.Value) string {
		for _, v := range vs {
			if slices.Contains(v.Names, name) {
				return v.Doc
			}
		}
		return ""
	}
	switch o := obj.(type) {
	case *types.Func:
		recv := o.Signature().Recv()
		for _, t := range p.Types {
			if recv != nil {
				rt := recv.Type()
				if ptr, ok := rt.(*types.Pointer); ok {
					rt = ptr.Elem()
				}
				if named, ok := rt.(*types.Named); !ok || named.Obj().Name() != t.Name {
					continue
				}
				for _, m := range t.Methods {
					if m.Name == name {
						return m.Doc
					}
				}
				continue
			}
			for _, f := range t.Funcs {
				if f.Name == name {
					return f.Doc
				}
			}
		}
		for _, f := range p.Funcs {
			if f.Name == name && recv == nil {
				return f.Doc
			}
		}
	case *types.TypeName:
		for _, t := range p.Types {
			if t.Name == name {
				return t.Doc
			}
		}
	case *types.Const:
		for _, t := range p.Types {
			if d := inValues(t.Consts); d != "" {
				return d
			}
		}
		return inValues(p.Consts)
	case *types.Var:
		for _, t := range p.Types {
			if d := inValues(t.Vars); d != "" {
				return d
			}
		}
		return inValues(p.Vars)
	}
	return ""
}
