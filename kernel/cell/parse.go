package cell

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/version"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Cell is one parsed notebook cell.
type Cell struct {
	// Source is the cell's text as given to Parse, after Normalize.
	Source string
	// Magics are the cell's % lines, in order.
	Magics []Magic
	// Shell holds the commands of the cell's ! lines, without the "!".
	Shell []string
	// Imports are the cell's explicit imports.
	Imports []Import
	// Decls are the cell's top-level declarations other than imports and
	// func main.
	Decls []Decl
	// Body holds the statements of main, without Last.
	Body []Block
	// Last is the final statement when it is an expression statement that
	// may be displayed, or nil.
	Last *LastExpr

	bodyRefs []string // qualifiers used by Body and Last
	lastRefs []string // qualifiers used by Last alone
}

// HasCode reports whether the cell holds Go code (imports, declarations or
// statements) rather than only magics, shell lines and comments.
func (c *Cell) HasCode() bool {
	return len(c.Imports) > 0 || len(c.Decls) > 0 || len(c.Body) > 0 || c.Last != nil
}

// Import is one explicit import of a cell.
type Import struct {
	// Name is the name given in the import: "" when none, "_" for a blank
	// import and "." for a dot import.
	Name string
	// Path is the import path.
	Path string
	// Line and Col give the import's position in its cell (1-based).
	Line, Col int
}

// Decl is one top-level declaration of a cell.
type Decl struct {
	// Kind is "func", "method", "type", "var" or "const".
	Kind string
	// Keys are the names under which the declaration is remembered: the
	// declared names, "T.M" for method M of type T, or "_:" followed by
	// the source for declarations of the blank identifier.
	Keys []string
	// Src is the declaration's text, doc comment included.
	Src string
	// Line and Col give where Src starts in the cell (1-based).
	Line, Col int

	refs []string // candidate package qualifiers
}

// Block is a run of statements of main's body.
type Block struct {
	// Src is the statements' text.
	Src string
	// Line and Col give where Src starts in the cell (1-based).
	Line, Col int

	off int // byte offset of Src in the cell
}

// LastExpr is a cell's final expression statement, a value to display.
type LastExpr struct {
	// Src is the expression's text.
	Src string
	// Line and Col give where Src starts in the cell (1-based).
	Line, Col int
	// IsCall reports that the expression is a call (or a conversion,
	// which looks the same before type checking). The runner decides
	// whether it is displayed: only a call with exactly one result is.
	IsCall bool
}

// SyntaxError lists the syntax errors of a cell, or an unknown or misplaced
// magic, with positions relative to the cell (Diagnostic.Cell is empty).
type SyntaxError struct {
	Diagnostics []Diagnostic
}

// Error returns the first error and how many others there are.
func (e *SyntaxError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "syntax error"
	}
	d := e.Diagnostics[0]
	msg := fmt.Sprintf("line %d:%d: %s", d.Line, d.Col, d.Message)
	if n := len(e.Diagnostics) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more errors)", n)
	}
	return msg
}

// In returns the errors with Cell set to name, ready for FormatDiagnostics.
func (e *SyntaxError) In(name string) []Diagnostic {
	out := slices.Clone(e.Diagnostics)
	for i := range out {
		out[i].Cell = name
	}
	return out
}

// unit is a top-level piece of a cell: one declaration or statement, as
// byte offsets into the cell.
type unit struct {
	start, end int
	kind       unitKind
}

type unitKind int

const (
	unitStmt unitKind = iota
	unitImport
	unitDecl
	unitPackage // a package clause, which cells may keep from pasted programs
)

// Parse parses a cell. Syntax errors, and unknown or misplaced magics, are
// returned as a *SyntaxError. A cell saved on Windows parses as Go parses
// a file: a leading byte order mark is ignored, and so are the carriage
// returns of CRLF line endings (Go drops them from raw strings too).
func Parse(src string) (*Cell, error) {
	src = Normalize(src)
	c := &Cell{Source: src}
	code, sep, errs := c.splitMagics(src)
	if len(errs) > 0 {
		return nil, &SyntaxError{Diagnostics: errs}
	}
	lines := newLineIndex(code)
	units := splitUnits(code, sep)

	// Parse the cell as one file made of three copies of the cell, each
	// keeping one kind of unit at its original position: imports, other
	// declarations, and statements wrapped in a function. //line
	// directives make every position cell-relative.
	var b strings.Builder
	b.WriteString("package p\n//line cell:1:1\n")
	impStart := b.Len()
	b.WriteString(keep(code, units, unitImport))
	b.WriteString("\n//line cell:1:1\n")
	declStart := b.Len()
	b.WriteString(keep(code, units, unitDecl))
	b.WriteString("\nfunc gokernel_main() {\n//line cell:1:1\n")
	stmtStart := b.Len()
	b.WriteString(keep(code, units, unitStmt))
	b.WriteString("\n}\n")

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", b.String(), parser.ParseComments|parser.AllErrors)
	if err != nil {
		return nil, genericMethodHint(syntaxError(err, lines), code)
	}
	tf := fset.File(f.Pos())
	off := func(p token.Pos) int {
		o := tf.Offset(p)
		switch {
		case o >= stmtStart:
			return o - stmtStart
		case o >= declStart:
			return o - declStart
		}
		return o - impStart
	}

	var mainBody *ast.BlockStmt
	var stmts *ast.BlockStmt
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				for _, s := range d.Specs {
					s := s.(*ast.ImportSpec)
					im := Import{}
					if s.Name != nil {
						im.Name = s.Name.Name
					}
					im.Path, _ = strconv.Unquote(s.Path.Value)
					im.Line, im.Col = lines.pos(off(s.Pos()))
					c.Imports = append(c.Imports, im)
				}
				continue
			}
			c.Decls = append(c.Decls, newDecl(d, genKeys(d), d.Tok.String(), code, off, lines))
		case *ast.FuncDecl:
			switch {
			case d.Name.Name == "gokernel_main" && d.Recv == nil:
				stmts = d.Body
			case d.Name.Name == "main" && d.Recv == nil:
				if d.Body == nil || d.Type.TypeParams != nil || d.Type.Params.NumFields() > 0 || d.Type.Results != nil {
					l, col := lines.pos(off(d.Pos()))
					return nil, &SyntaxError{[]Diagnostic{{Line: l, Col: col, Message: "func main must have no parameters, no results and a body"}}}
				}
				mainBody = d.Body
			default:
				kind, keys := "func", []string{d.Name.Name}
				if d.Recv != nil && len(d.Recv.List) == 1 {
					kind, keys = "method", []string{recvName(d.Recv.List[0].Type) + "." + d.Name.Name}
				}
				c.Decls = append(c.Decls, newDecl(d, keys, kind, code, off, lines))
			}
		}
	}

	body := stmts
	if mainBody != nil {
		if len(stmts.List) > 0 {
			l, col := lines.pos(off(stmts.List[0].Pos()))
			return nil, &SyntaxError{[]Diagnostic{{Line: l, Col: col, Message: "statements outside func main: put them inside func main, or drop func main and keep the statements"}}}
		}
		body = mainBody
		start, end := off(mainBody.Lbrace)+1, off(mainBody.Rbrace)
		c.addBlock(code, lines, start, end)
	} else {
		for _, u := range units {
			if u.kind == unitStmt {
				c.addBlock(code, lines, u.start, u.end)
			}
		}
	}
	c.bodyRefs = qualifiers(body)
	if n := len(body.List); n > 0 {
		if es, ok := body.List[n-1].(*ast.ExprStmt); ok && !isReceive(es.X) {
			start, end := off(es.X.Pos()), off(es.X.End())
			line, col := lines.pos(start)
			c.Last = &LastExpr{Src: code[start:end], Line: line, Col: col, IsCall: isCall(es.X)}
			c.lastRefs = qualifiers(es.X)
			c.cutBody(start)
		}
	}
	return c, nil
}

// Normalize returns src without a leading byte order mark and with CRLF
// line endings made LF, which changes nothing Go sees: the compiler
// ignores a leading BOM and drops carriage returns from raw strings, and
// anywhere else a carriage return is white space.
func Normalize(src string) string {
	src = strings.TrimPrefix(src, "\uFEFF")
	if strings.Contains(src, "\r\n") {
		src = strings.ReplaceAll(src, "\r\n", "\n")
	}
	return src
}

// addBlock appends code[start:end] to the body unless it is blank.
func (c *Cell) addBlock(code string, lines lineIndex, start, end int) {
	if strings.TrimSpace(code[start:end]) == "" {
		return
	}
	line, col := lines.pos(start)
	c.Body = append(c.Body, Block{Src: code[start:end], Line: line, Col: col, off: start})
}

// cutBody removes everything from cell offset start on from the body; the
// last expression starts there.
func (c *Cell) cutBody(start int) {
	for i := len(c.Body) - 1; i >= 0; i-- {
		b := &c.Body[i]
		if b.off > start {
			continue
		}
		b.Src = b.Src[:start-b.off]
		c.Body = c.Body[:i+1]
		if strings.TrimSpace(b.Src) == "" {
			c.Body = c.Body[:i]
		}
		return
	}
}

func newDecl(d ast.Decl, keys []string, kind, code string, off func(token.Pos) int, lines lineIndex) Decl {
	var doc *ast.CommentGroup
	switch d := d.(type) {
	case *ast.GenDecl:
		doc = d.Doc
	case *ast.FuncDecl:
		doc = d.Doc
	}
	startPos := d.Pos()
	if doc != nil {
		// The doc comment starts after the //line directive that
		// Parse put at the top of each copy of the cell.
		for i := len(doc.List) - 1; i >= 0 && !strings.HasPrefix(doc.List[i].Text, "//line cell:"); i-- {
			startPos = doc.List[i].Pos()
		}
	}
	start, end := off(startPos), off(d.End())
	src := code[start:end]
	for i, k := range keys {
		if k == "_" {
			keys[i] = "_:" + src
		}
	}
	line, col := lines.pos(start)
	return Decl{Kind: kind, Keys: keys, Src: src, Line: line, Col: col, refs: qualifiers(d)}
}

// genKeys returns the names declared by a const, var or type declaration.
func genKeys(d *ast.GenDecl) []string {
	var keys []string
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.ValueSpec:
			for _, n := range s.Names {
				keys = append(keys, n.Name)
			}
		case *ast.TypeSpec:
			keys = append(keys, s.Name.Name)
		}
	}
	return keys
}

// recvName returns the base type name of a method receiver: T for T, *T,
// T[K] and *T[K, V].
func recvName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

func isReceive(x ast.Expr) bool {
	u, ok := ast.Unparen(x).(*ast.UnaryExpr)
	return ok && u.Op == token.ARROW
}

func isCall(x ast.Expr) bool {
	_, ok := ast.Unparen(x).(*ast.CallExpr)
	return ok
}

// qualifiers returns the identifiers used as X in X.Sel that the parser
// could not resolve to a declaration in the cell: package names, or names
// declared by earlier cells.
func qualifiers(n ast.Node) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			// The parser's own resolution (ast.Ident.Obj) is enough to
			// tell package qualifiers from local names here.
			if id, ok := s.X.(*ast.Ident); ok && id.Obj == nil && !slices.Contains(out, id.Name) {
				out = append(out, id.Name)
			}
		}
		return true
	})
	return out
}

// syntaxError converts a parser error, whose positions are already
// cell-relative, into a *SyntaxError; positions past the end of the cell
// (the parser reached the wrapper's closing brace) are moved to its end.
func syntaxError(err error, lines lineIndex) error {
	list, ok := err.(scanner.ErrorList)
	if !ok {
		return &SyntaxError{[]Diagnostic{{Line: 1, Col: 1, Message: err.Error()}}}
	}
	list.RemoveMultiples()
	last, lastCol := lines.end()
	se := &SyntaxError{}
	for _, e := range list {
		l, col := e.Pos.Line, e.Pos.Column
		if l > last || (l == last && col > lastCol) {
			l, col = last, lastCol
		}
		se.Diagnostics = append(se.Diagnostics, Diagnostic{Line: l, Col: col, Message: e.Msg})
	}
	return se
}

// genericMethod matches the start of a method with type parameters.
var genericMethod = regexp.MustCompile(`^\s*func\s*\([^)]*\)\s*[\pL_][\pL\pN_]*\s*\[`)

// genericMethodHint adds to the syntax errors on lines that declare a
// generic method, a feature of Go 1.27, that this gokernel's parser (of
// an older Go) does not know it.
func genericMethodHint(err error, code string) error {
	se, ok := err.(*SyntaxError)
	if !ok || version.Compare(version.Lang(runtime.Version()), "go1.27") >= 0 {
		return err
	}
	lines := strings.Split(code, "\n")
	for i, d := range se.Diagnostics {
		if d.Line >= 1 && d.Line <= len(lines) && genericMethod.MatchString(lines[d.Line-1]) {
			se.Diagnostics[i].Message += " (a generic method, a method with type parameters, needs Go 1.27: this gokernel was built with " +
				runtime.Version() + " and cannot read it; use Go 1.27 to build gokernel and cells)"
		}
	}
	return se
}

// splitMagics reads the magic and shell lines at the top of the cell into
// c, and returns the code with those lines and a %% line blanked (so that
// positions do not move), and the offset of the %% line or -1.
func (c *Cell) splitMagics(src string) (code string, sep int, errs []Diagnostic) {
	b := []byte(src)
	sep = -1
	top := true
	lineNo := 0
	for off := 0; off < len(src); {
		lineNo++
		end := strings.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off
		}
		line := strings.TrimSpace(src[off:end])
		blank := false
		switch {
		case top && line == "":
		case top && strings.HasPrefix(line, "//"):
		case top && line != "%%" && strings.HasPrefix(line, "%"):
			m, err := parseMagic(line, lineNo)
			if err != nil {
				errs = append(errs, Diagnostic{Line: lineNo, Col: 1, Message: err.Error()})
			}
			c.Magics = append(c.Magics, m)
			blank = true
		case top && strings.HasPrefix(line, "!"):
			c.Shell = append(c.Shell, strings.TrimSpace(line[1:]))
			blank = true
		default:
			top = false
		}
		if blank {
			for i := off; i < end; i++ {
				b[i] = ' '
			}
		}
		off = end + 1
	}
	code = string(b)

	// A %% line or a misplaced magic shows up as a % token starting its
	// line; this skips text inside strings and comments.
	lines := newLineIndex(code)
	var s scanner.Scanner
	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(code))
	s.Init(f, []byte(code), nil, 0)
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.REM {
			continue
		}
		o := f.Offset(pos)
		line, _ := lines.pos(o)
		ls, le := lines.lineSpan(line)
		if strings.TrimSpace(code[ls:o]) != "" {
			continue
		}
		text := strings.TrimSpace(code[ls:le])
		if text == "%%" && sep < 0 {
			sep = o
			b[o], b[o+1] = ' ', ' '
			continue
		}
		if text != "%%" {
			name, _, _ := strings.Cut(text, " ")
			errs = append(errs, Diagnostic{Line: line, Col: o - ls + 1, Message: fmt.Sprintf("magic %s must be at the top of the cell, before any Go code", name)})
		}
	}
	return string(b), sep, errs
}

// scanTok is a token and its byte offsets in the cell.
type scanTok struct {
	tok      token.Token
	off, end int
}

// splitUnits splits code into top-level units at semicolons (explicit or
// inserted at line ends) outside brackets, and classifies each one.
// Units starting after offset sep (when sep >= 0) are statements.
func splitUnits(code string, sep int) []unit {
	var s scanner.Scanner
	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(code))
	s.Init(f, []byte(code), func(token.Position, string) {}, 0)

	var toks []scanTok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		o := f.Offset(pos)
		n := len(lit)
		if t == token.SEMICOLON && lit == "\n" {
			n = 0
		} else if lit == "" {
			n = len(t.String())
		}
		toks = append(toks, scanTok{t, o, o + n})
	}

	var units []unit
	depth := 0
	first := -1
	// header is set inside the header of a for, if, switch or select
	// statement, whose semicolons (for i := 0; i < n; i++) do not end it;
	// the header ends where the statement's block opens.
	header := false
	for i, t := range toks {
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			if t.tok == token.LBRACE && depth == 0 {
				header = false
			}
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		}
		if first < 0 {
			if t.tok == token.SEMICOLON {
				continue
			}
			first = i
			switch t.tok {
			case token.FOR, token.IF, token.SWITCH, token.SELECT:
				header = true
			}
		}
		if (t.tok == token.SEMICOLON && depth == 0 && !header) || i == len(toks)-1 {
			last := i
			if t.tok == token.SEMICOLON && t.end == t.off { // inserted at a newline
				last = i - 1
			}
			u := unit{start: toks[first].off, end: toks[last].end}
			switch {
			case sep >= 0 && u.start > sep:
				u.kind = unitStmt
			case toks[first].tok == token.PACKAGE && len(units) == 0:
				u.kind = unitPackage
			case toks[first].tok == token.IMPORT:
				u.kind = unitImport
			case toks[first].tok == token.CONST, toks[first].tok == token.VAR, toks[first].tok == token.TYPE:
				u.kind = unitDecl
			case toks[first].tok == token.FUNC:
				if isFuncDecl(toks[first+1 : last+1]) {
					u.kind = unitDecl
				}
			}
			units = append(units, u)
			first = -1
		}
	}
	return units
}

// isFuncDecl reports whether the tokens after "func" start a function or
// method declaration rather than a function literal: a name follows func,
// or a parenthesized receiver followed by a name and "(" or type
// parameters and "(".
func isFuncDecl(rest []scanTok) bool {
	tokAt := func(i int) token.Token {
		if i >= len(rest) {
			return token.EOF
		}
		return rest[i].tok
	}
	switch tokAt(0) {
	case token.IDENT:
		return true
	case token.LPAREN:
		depth := 0
		for i := range rest {
			switch rest[i].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			}
			if depth == 0 {
				if tokAt(i+1) != token.IDENT {
					return false
				}
				if tokAt(i+2) == token.LPAREN {
					return true
				}
				// A generic method (Go 1.27): name[T any](, where a func
				// literal with a generic result type has T[int] {.
				return tokAt(i+2) == token.LBRACK && tokAt(closing(rest, i+2)+1) == token.LPAREN
			}
		}
	}
	return false
}

// closing returns the index of the token that closes the bracket at
// rest[open], or len(rest).
func closing(rest []scanTok, open int) int {
	depth := 0
	for i := open; i < len(rest); i++ {
		switch rest[i].tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(rest)
}

// keep returns code with every unit not of kind k blanked: its bytes other
// than newlines become spaces, so positions stay put.
func keep(code string, units []unit, k unitKind) string {
	b := []byte(code)
	for _, u := range units {
		if u.kind == k {
			continue
		}
		for i := u.start; i < u.end; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

// lineIndex maps byte offsets of a text to 1-based lines and columns.
type lineIndex struct {
	text   string
	starts []int // offset of each line's first byte
}

func newLineIndex(text string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{text: text, starts: starts}
}

// pos returns the line and column (in bytes) of offset o.
func (x lineIndex) pos(o int) (line, col int) {
	i, found := slices.BinarySearch(x.starts, o)
	if !found {
		i--
	}
	return i + 1, o - x.starts[i] + 1
}

// lineSpan returns the offsets of the start and end (before the newline) of
// a line.
func (x lineIndex) lineSpan(line int) (start, end int) {
	start = x.starts[line-1]
	end = len(x.text)
	if line < len(x.starts) {
		end = x.starts[line] - 1
	}
	return start, end
}

// end returns the position just past the text's last non-space character.
func (x lineIndex) end() (line, col int) {
	t := strings.TrimRight(x.text, " \t\r\n")
	if t == "" {
		return 1, 1
	}
	return x.pos(len(t))
}
