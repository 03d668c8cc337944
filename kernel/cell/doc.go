// Package cell turns the cells of a Go notebook into Go programs.
//
// It is the language model of gokernel, the course's Jupyter kernel, and a
// pure library: it starts no processes and opens no sockets (except that the
// standard-library index described below asks "go env GOROOT" once when
// $GOROOT is unset). The kernel's runner parses a cell with [Parse], applies
// its magics with [Session.Apply], runs its shell lines, asks
// [Session.Generate] for a program, builds and runs that program, and calls
// [Session.Commit] once the build succeeded.
//
// # Cells
//
// A cell mixes top-level declarations (import, const, var, type, func,
// methods, generic functions and types) with plain statements. The
// statements, in order, form the body of main for this run; no marker is
// needed. Two other forms are accepted:
//
//   - a line holding only %% ends the declarations: everything after it is
//     main's body, so "var x = 1" after %% declares a local variable;
//   - a whole "func main() { ... }": its body is the statements. A cell may
//     not hold both func main and statements outside it.
//
// A leading "package main" clause, as in a pasted program, is ignored.
// A top-level line beginning with func is a declaration when a name follows
// (func f, func (r T) M); "func() { ... }()" is a statement.
//
// # What persists
//
// Every run is a fresh process: values never survive from one cell to the
// next, declarations do. Declarations are remembered by name, and declaring
// a name again replaces the old declaration:
//
//   - a var or const group is one unit, replaced as a whole when any of its
//     names is declared again;
//   - methods are keyed by receiver type and name ("T.String"), so
//     redefining type T keeps its methods;
//   - func init may be declared; it is remembered, and a later cell that
//     declares init replaces all earlier ones;
//   - declarations of the blank identifier are keyed by their text;
//   - func main is never remembered.
//
// A cell that fails to build changes nothing: [Session.Generate] does not
// touch the session and only [Session.Commit] does.
//
// # Imports
//
// Imports may be omitted. A qualifier such as strings in strings.ToUpper
// that names no declaration and no explicit import is resolved to the
// standard-library package of that name. The index of names is built once
// per [Session], when first needed, from $GOROOT/src (directories named
// internal, vendor, cmd and testdata are skipped). When several packages
// share a name the preference is: rand → math/rand, template →
// text/template, pprof → runtime/pprof, scanner → text/scanner, json →
// encoding/json; otherwise a path without a /vN element, then the shortest
// path wins. Two course packages are known as well: display →
// asyncgo/helpers/display and timeline → asyncgo/helpers/timeline.
//
// Explicit imports (named, dot, blank and third-party ones included) are
// remembered across cells, keyed by the name they bind. A program contains
// only the imports it uses, so a remembered import never causes "imported
// and not used"; blank and dot imports are always written. An import
// without a name binds the package's name when the path is in the standard
// library, and otherwise the last path element without a /vN suffix, a
// "go-" prefix or a "-go" suffix; name the import when that guess is wrong.
//
// # Magics and shell lines
//
// Magics and shell lines belong at the top of a cell, one per line, before
// any Go code (blank and // comment lines may come between them). A %
// line later in a cell is an error; a ! line later in a cell is Go code.
//
//	%help                 show this list
//	%reset                forget all declarations and imports
//	%list                 show the remembered declarations, imports and settings
//	%env                  show the remembered environment
//	%env NAME=value ...   set variables for this and later runs
//	%env --reset          forget the environment
//	%goflags              show the remembered go build flags
//	%goflags -race ...    set the flags for this and later builds (replacing them)
//	%goflags --reset      forget the flags
//	%args                 show the remembered program arguments
//	%args a "b c" ...     set the arguments for this and later runs
//	%args --reset         forget the arguments
//	%kernel               show the kernel's own state (the kernel answers it)
//	%engine               show the engine setting and what ran the last cell
//	%engine auto|go|yaegi choose the engine (the kernel answers it)
//	!command              a shell command, run in the workspace before the Go code
//
// Arguments of magics are split at spaces; single and double quotes group
// words and a backslash escapes the next character. An unknown magic is an
// error naming the known ones. [Parse] turns magics into [Magic] values and
// [Session.Apply] executes them; the runner runs shell lines itself, after
// the magics.
//
// # Displayed values
//
// When the last statement of a cell is an expression statement (x,
// s[1:3], p.Name, a+b, f(x)) it is reported as [Cell.Last]. A receive
// (<-done) is a plain statement and never displayed. A call is reported
// with IsCall set: only the runner, which type-checks, knows whether it has
// exactly one result and should be displayed; fmt.Println is a statement.
// [GenerateOptions] says which kinds to display; a displayed value is passed
// to Result of asyncgo/helpers/display, imported under the reserved name
// gokernel_display, or printed with fmt.Println (imported as gokernel_fmt)
// when the options ask for a helper-free program.
//
// # Errors
//
// Generated programs carry //line directives, so compiler errors and panic
// tracebacks name the cell a line came from, as in "In[3]:5:2", where In[3]
// is the name given to [Session.Generate] (declarations keep the name of the
// cell that declared them). [ParseBuildErrors] reads go build and go vet
// output into [Diagnostic] values and [FormatDiagnostics] shows each with its
// cell line and a ^ under the column. [Parse] reports syntax errors as a
// *[SyntaxError] with cell-relative positions.
//
// # Completeness
//
// [IsComplete] answers Jupyter's is_complete_request with Go's own scanner
// and parser.
//
// A Session is not safe for concurrent use; a kernel serves one request at a
// time and owns one Session.
package cell
