// Package editor answers the notebook editor's requests: completion and
// inspection of Go in a cell.
//
// A [Query] is a cell and its cursor, turned into the program the cell
// would build (see asyncgo/kernel/cell), so that earlier cells'
// declarations and imports, and imports the kernel infers, are in scope.
// An [Editor] answers queries with gopls, started by [Editor.Warm] when
// the kernel starts (or else on the first request), kept warm across
// cells and restarted if it dies; gopls sees the program as a file in a
// directory of the cell workspace, whose module it loads. Queries go to
// gopls once it has answered a first completion, which loads the
// packages. When gopls is not installed, still starting, or slow to
// answer, the answer comes from Go's own type checker over export data (see
// asyncgo/kernel/typecheck): package members, fields, methods and the
// names in scope, and keywords, without documentation.
//
// Jupyter counts cursor positions in Unicode code points; queries and
// answers do too.
package editor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

// cellName names the queried cell in generated programs.
const cellName = "In[edit]"

// Query is a cell and a cursor, ready to be answered by an Editor.
type Query struct {
	code   string
	cursor int // byte offset in code
	prog   *cell.Program
	off    int  // byte offset of the cursor in prog.Source
	whole  bool // prog holds all of the cell, not the cell cut at the cursor
}

// NewQuery prepares a query for code with the cursor at code point
// cursor, with the declarations and imports of the session. It only reads
// the session, but a Session is not safe for concurrent use: call it where
// the session's owner runs cells. A cursor in a string or comment, or in
// code that cannot be made to parse, gives a query with no answers.
func NewQuery(s *cell.Session, code string, cursor int) *Query {
	q := &Query{code: code, cursor: byteOffset(code, cursor)}
	before, after := code[:q.cursor], code[q.cursor:]
	closers, ok := openBrackets(before)
	if !ok {
		return q // in a string or a comment
	}
	variants := []struct {
		src   string
		whole bool
	}{
		{code, true},
		{before + "_" + after, true},
		{before + closers, false},
		{before + "_" + closers, false},
	}
	for _, v := range variants {
		c, err := cell.Parse(v.src)
		if err != nil {
			continue
		}
		prog, err := s.Generate(c, cellName, cell.GenerateOptions{})
		if err != nil {
			continue
		}
		line := 1 + strings.Count(before, "\n")
		col := q.cursor - (strings.LastIndexByte(before, '\n') + 1) + 1
		off, found := prog.SourceOffset(cellName, line, col)
		if !found {
			continue
		}
		q.prog, q.off, q.whole = prog, off, v.whole
		return q
	}
	return q
}

// Match is one completion.
type Match struct {
	// Text replaces the cell's text between Completion.Start and End.
	Text string
	// Kind is "function", "method", "field", "variable", "constant",
	// "class" (a type), "module" (a package) or "keyword".
	Kind string
	// Signature is the type or signature, when known.
	Signature string
}

// Completion answers a completion query.
type Completion struct {
	Matches []Match
	// Start and End are the code-point offsets of the text the matches
	// replace.
	Start, End int
	// Source is "gopls" or "go/types" (the fallback).
	Source string
	// Note says how to get better answers (install gopls); it is set
	// once per Editor.
	Note string
}

// Inspection answers an inspection query.
type Inspection struct {
	Found bool
	// Text is the signature and documentation as plain text; Markdown the
	// same as markdown.
	Text, Markdown string
	// Source and Note are as in Completion.
	Source, Note string
}

// Config configures an Editor.
type Config struct {
	// Workspace is the cell workspace; the editor writes its program in
	// a directory of it.
	Workspace *runner.Workspace
	// Gopls is the gopls command; empty means FindGopls, and "off" means
	// no gopls (the fallback answers everything).
	Gopls string
	// Timeout is how long gopls has to answer before the fallback
	// answers instead; 0 means one second.
	Timeout time.Duration
	// Logger receives the editor's log; nil means discard.
	Logger *slog.Logger
}

// Editor answers queries. It is safe for concurrent use; Close stops
// gopls and waits for the goroutines the editor started.
type Editor struct {
	cfg Config
	log *slog.Logger
	dir string // where the program file lives

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	path     string // gopls; "" until looked up
	looked   bool
	srv      *gopls
	starting bool
	failedAt time.Time // last failed start
	noted    bool
	closed   bool
	checkers map[string]*typecheck.Checker
}

// restartDelay is how long after a failed start gopls is not tried again.
const restartDelay = 30 * time.Second

// New returns an Editor. It starts nothing until [Editor.Warm] or the
// first query.
func New(cfg Config) *Editor {
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Editor{
		cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		dir:      filepath.Join(cfg.Workspace.Dir(), "gokernel_editor"),
		checkers: map[string]*typecheck.Checker{},
	}
}

// Close stops gopls and waits for the editor's goroutines.
func (e *Editor) Close() error {
	e.mu.Lock()
	e.closed = true
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	e.cancel()
	if srv != nil {
		srv.stop()
	}
	e.wg.Wait()
	os.RemoveAll(e.dir)
	return nil
}

// server returns gopls when it is running and initialized. Otherwise it
// starts gopls in the background (unless it is missing, starting, or
// failed recently) and returns nil with the reason.
func (e *Editor) server(src []byte) (*gopls, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, context.Canceled
	}
	if e.srv != nil {
		if e.srv.alive() {
			return e.srv, nil
		}
		e.log.Warn("gopls died; restarting it", "err", e.srv.err)
		os.Remove(e.srv.file)
		e.srv = nil
	}
	if !e.looked {
		e.looked = true
		switch e.cfg.Gopls {
		case "off":
		case "":
			e.path = FindGopls(e.cfg.Workspace.Go())
		default:
			e.path = e.cfg.Gopls
		}
	}
	if e.path == "" {
		return nil, errNoGopls
	}
	if e.starting {
		return nil, fmt.Errorf("gopls is starting")
	}
	if time.Since(e.failedAt) < restartDelay {
		return nil, fmt.Errorf("gopls failed to start recently")
	}
	e.starting = true
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		var srv *gopls
		err := e.cfg.Workspace.Prepare()
		if err == nil {
			env := append(e.cfg.Workspace.Env(nil, nil), "GOFLAGS=-mod=mod")
			if goCmd := e.cfg.Workspace.Go(); filepath.IsAbs(goCmd) {
				// gopls runs "go": the workspace's toolchain, first on PATH.
				env = append(env, "PATH="+filepath.Dir(goCmd)+string(os.PathListSeparator)+os.Getenv("PATH"))
			}
			srv, err = startGopls(ctx, e.path, e.cfg.Workspace.Dir(), filepath.Join(e.dir, "main.go"), env, src)
		}
		if err == nil {
			// gopls loads the packages at its first completion, which takes
			// seconds: ask it here, so that queries go to gopls only once it
			// answers within the timeout, and to the fallback until then.
			if _, _, err = srv.complete(ctx, src, len(src)); err != nil {
				srv.kill()
				err = fmt.Errorf("gopls's first completion: %w", err)
			}
		}
		e.mu.Lock()
		e.starting = false
		closed := e.closed
		switch {
		case err != nil:
			e.failedAt = time.Now()
			e.log.Warn("gopls did not start; completion uses the type checker", "err", err)
		case !closed:
			e.log.Info("gopls started", "path", e.path, "encoding", srv.enc)
			e.srv = srv
		}
		e.mu.Unlock()
		if err == nil && closed {
			// Close is waiting for this goroutine: gopls and the go
			// commands it runs end before Close returns.
			srv.stop()
		}
	}()
	return nil, fmt.Errorf("gopls is starting")
}

// warmCell is the cell [Editor.Warm] prepares answers for: it uses the
// standard packages a learner of the course completes most. Few, since a
// query that comes during the warm-up waits for it.
const warmCell = "var mu sync.Mutex\nfmt.Println(strings.ToUpper(\"x\"), time.Now(), &mu)\nfmt."

// Warm prepares, in the background, the answer to a learner's first
// query, so that it comes within the notebook's completion timeout (one
// second in JupyterLab): it loads the type information of the standard
// packages the course uses most into the type-checker fallback, then
// starts gopls, which answers once it has loaded the cell workspace's
// packages. It returns at once; Close stops what it started. The kernel
// calls it when it starts.
func (e *Editor) Warm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		q := NewQuery(cell.NewSession(), warmCell, len([]rune(warmCell)))
		if q.prog == nil {
			e.log.Warn("the editor's warm-up cell does not parse")
			return
		}
		// One after the other: on two cores, gopls loading packages would
		// slow the type checker's go list down, and a query waits for it.
		if _, err := e.completeTypes(e.ctx, q); err != nil {
			e.log.Info("warming the type checker failed", "err", err)
		}
		e.server(q.prog.Source)
	}()
}

// note returns the install hint the first time gopls is found missing.
func (e *Editor) note(err error) string {
	if err != errNoGopls {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.noted {
		return ""
	}
	e.noted = true
	return "gopls is not installed, so completion offers only what Go's type checker knows, and inspection reads documentation from the source. Install it with: " + InstallCommand(e.cfg.Workspace.Toolchain().Version) + " (or run gokernel install)."
}

// Complete answers a completion query.
func (e *Editor) Complete(ctx context.Context, q *Query) *Completion {
	empty := &Completion{Start: codePoints(q.code, q.cursor), End: codePoints(q.code, q.cursor), Source: "go/types"}
	if q.prog == nil {
		return empty
	}
	srv, err := e.server(q.prog.Source)
	if srv != nil {
		gctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		c, gerr := e.completeGopls(gctx, srv, q)
		cancel()
		if gerr == nil {
			return c
		}
		e.log.Info("gopls did not complete in time; using the type checker", "err", gerr)
	}
	c, ferr := e.completeTypes(ctx, q)
	if ferr != nil {
		e.log.Info("type checker completion failed", "err", ferr)
		c = empty
	}
	c.Note = e.note(err)
	return c
}

// Inspect answers an inspection query; detail 0 gives the signature and
// the first paragraph of the documentation, 1 everything.
func (e *Editor) Inspect(ctx context.Context, q *Query, detail int) *Inspection {
	if q.prog == nil {
		return &Inspection{Source: "go/types"}
	}
	off := q.off
	src := q.prog.Source
	if off > 0 && (off >= len(src) || !isIdentByte(src[off])) && isIdentByte(src[off-1]) {
		off-- // the cursor just after a name: inspect that name
	}
	srv, err := e.server(src)
	if srv != nil {
		gctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		md, gerr := srv.hover(gctx, src, off)
		cancel()
		if gerr == nil {
			if md == "" {
				return &Inspection{Source: "gopls"}
			}
			if detail < 1 {
				md = synopsis(md)
			}
			return &Inspection{Found: true, Markdown: md, Text: plainText(md), Source: "gopls"}
		}
		e.log.Info("gopls did not answer hover in time; using the type checker", "err", gerr)
	}
	in, ferr := e.inspectTypes(ctx, q.prog, off)
	if ferr != nil {
		e.log.Info("type checker inspection failed", "err", ferr)
		in = &Inspection{Source: "go/types"}
	}
	in.Note = e.note(err)
	return in
}

// completeGopls asks gopls.
func (e *Editor) completeGopls(ctx context.Context, srv *gopls, q *Query) (*Completion, error) {
	items, spans, err := srv.complete(ctx, q.prog.Source, q.off)
	if err != nil {
		return nil, err
	}
	start, end := q.off, q.off
	for _, s := range spans {
		if s[0] >= 0 {
			start, end = s[0], s[1]
			break
		}
	}
	c := &Completion{Source: "gopls"}
	for i, it := range items {
		if spans[i][0] >= 0 && (spans[i][0] != start || spans[i][1] != end) {
			continue // an edit elsewhere; a Jupyter reply has one range
		}
		text := it.Label
		if it.TextEdit != nil {
			text = it.TextEdit.NewText
		} else if it.InsertText != "" {
			text = it.InsertText
		}
		c.Matches = append(c.Matches, Match{Text: text, Kind: lspKind(it.Kind), Signature: it.Detail})
	}
	c.Start, c.End = q.cellSpan(start, end)
	return c, nil
}

// cellSpan turns a span of the program around the cursor into code-point
// offsets of the cell.
func (q *Query) cellSpan(start, end int) (int, int) {
	s := q.cursor - (q.off - start)
	line0 := strings.LastIndexByte(q.code[:q.cursor], '\n') + 1
	s = max(s, line0)
	en := q.cursor
	if q.whole && end > q.off {
		en = min(q.cursor+end-q.off, len(q.code))
	}
	return codePoints(q.code, s), codePoints(q.code, en)
}

// lspKind names an LSP CompletionItemKind as Jupyter frontends do.
func lspKind(k int) string {
	switch k {
	case 2:
		return "method"
	case 3, 4:
		return "function"
	case 5, 10:
		return "field"
	case 6, 12:
		return "variable"
	case 7, 8, 13, 22, 25:
		return "class"
	case 9:
		return "module"
	case 14:
		return "keyword"
	case 21, 20:
		return "constant"
	}
	return "text"
}

// synopsis keeps the code block of a hover and the first paragraph after
// it.
func synopsis(md string) string {
	var out []string
	paras := strings.Split(strings.TrimSpace(md), "\n\n")
	inCode := false
	for _, p := range paras {
		if strings.TrimSpace(p) == "---" {
			continue // a rule between the declaration and its documentation
		}
		out = append(out, p)
		if strings.Count(p, "```")%2 == 1 {
			inCode = !inCode
		}
		if !inCode && !strings.HasPrefix(p, "```") {
			break
		}
	}
	return strings.Join(out, "\n\n")
}

// plainText drops markdown code fences from a hover.
func plainText(md string) string {
	var lines []string
	for l := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(l, "```") || strings.TrimSpace(l) == "---" {
			continue
		}
		lines = append(lines, l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// checker returns the type checker for a program's flags and environment.
func (e *Editor) checker(prog *cell.Program) (*typecheck.Checker, error) {
	if err := e.cfg.Workspace.Prepare(); err != nil {
		return nil, err
	}
	flags := runner.BuildFlags(prog.GoFlags)
	key := strings.Join(flags, "\x00") + "\x01" + strings.Join(prog.Env, "\x00")
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.checkers[key]
	if !ok {
		c = typecheck.New(e.cfg.Workspace.Go(), e.cfg.Workspace.Dir(), e.cfg.Workspace.Env(prog.Env, prog.GoFlags), flags)
		e.checkers[key] = c
	}
	return c, nil
}

// keywords are Go's keywords, offered where a name may start.
var keywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"}
