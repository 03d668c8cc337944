// Command worker runs one cell program with the yaegi interpreter, as a
// process of its own, the way a compiled cell program runs: its standard
// streams are the program's, os.Exit ends it with the program's status, and
// a panic ends it with status 2 and a report in the form the Go runtime
// prints ("panic: ..." and a goroutine trace), so the kernel reads it the
// same way.
//
// Usage: worker PROGRAM.go [ARG...]. The arguments after the program are
// the program's os.Args[1:].
//
// Started as "worker __gokernel_spare", the worker is a spare: the kernel
// starts it before the cell that will use it, and it sets up its
// interpreter and then reads PROGRAM.go and the arguments from standard
// input (their length in bytes as 4 bytes, big-endian, then each followed
// by a NUL byte: the kernel's runner/supervise package writes them so),
// and reads no further: the rest of standard input is the program's.
// Nothing runs before the program comes, and a worker runs one program.
//
// The kernel writes this source (and the symbol tables of the helper
// packages in ./symbols) into its cell workspace and builds it with
// CGO_ENABLED=0, so that the Go runtime's deadlock detector sees the
// interpreted goroutines: the worker starts no goroutines of its own.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"go/constant"
	"go/parser"
	"go/token"
	"io"
	"log"
	"math/bits"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/generic"

	"asyncgo/kernel/interp/worker/symbols"
)

// spareArg, as the only argument, makes the worker a spare (see the
// package comment); it is runner/supervise's SpareArg.
const spareArg = "__gokernel_spare"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: worker PROGRAM.go [ARG...]")
		os.Exit(2)
	}
	// Interpreted goroutines may allocate a lot; the worker lives for one
	// cell, as the compiled program does.
	debug.SetGCPercent(200)
	trace := &quietPanicTrace{w: os.Stderr}
	i, err := newInterpreter(trace)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokernel worker: load the symbol tables: %v\n", err)
		os.Exit(2)
	}
	args := os.Args[1:]
	if len(args) == 1 && args[0] == spareArg {
		if args, err = readArgs(os.Stdin); err != nil {
			os.Exit(0) // the kernel ended the spare without using it
		}
	}
	// The program's os.Args (see hostSymbols): PROGRAM.go and its
	// arguments.
	os.Args = args
	src, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokernel worker: read the program: %v\n", err)
		os.Exit(2)
	}
	shareMainLine(args[0])
	os.Exit(run(i, trace, src, args[0]))
}

// newInterpreter returns the interpreter, with the symbol tables of the
// standard library, of the helpers and of the host loaded.
func newInterpreter(trace *quietPanicTrace) (*interp.Interpreter, error) {
	i := interp.New(interp.Options{
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       trace,
		Unrestricted: true,
	})
	for _, table := range []interp.Exports{standardLibrary(), symbols.Symbols, hostSymbols(trace)} {
		if err := i.Use(table); err != nil {
			return nil, err
		}
	}
	return i, nil
}

// standardLibrary returns yaegi's symbol tables of the standard library,
// with fmt's under the key "fmt//fmt" instead of "fmt/fmt" (the same
// package: Use takes the path from the key with path.Dir). Given the key
// "fmt/fmt", Use also compiles the source of the generic packages cmp,
// maps and slices, a quarter of the worker's start, which the worker
// leaves for the programs that import them (see useGenericSource); and it
// replaces fmt's printing and scanning functions, flag.CommandLine and
// os's standard files with copies bound to the interpreter's streams,
// which here are the process's own: the real ones behave as in a compiled
// program.
func standardLibrary() interp.Exports {
	t := make(interp.Exports, len(stdlib.Symbols))
	for k, v := range stdlib.Symbols {
		t[k] = v
	}
	t["fmt//fmt"] = t["fmt/fmt"]
	delete(t, "fmt/fmt")
	return t
}

// useGenericSource compiles yaegi's source of the generic functions of
// cmp, maps and slices when src imports one of them.
func useGenericSource(i *interp.Interpreter, src []byte) error {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
	if err != nil {
		return nil // compiling the program reports it
	}
	for _, im := range f.Imports {
		switch im.Path.Value {
		case `"cmp"`, `"maps"`, `"slices"`:
			for _, s := range generic.Sources {
				if _, err := compile(i, []byte(s)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return nil
}

// readArgs reads the arguments a spare gets (see the package comment)
// from r, and nothing after them.
func readArgs(r io.Reader) ([]string, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	if len(body) == 0 || body[len(body)-1] != 0 {
		return nil, errors.New("the arguments must end with a NUL byte")
	}
	return strings.Split(string(body[:len(body)-1]), "\x00"), nil
}

// run interprets src, the program in the file program, and returns the
// exit status.
func run(i *interp.Interpreter, trace *quietPanicTrace, src []byte, program string) int {
	err := useGenericSource(i, src)
	var prog *interp.Program
	if err == nil {
		prog, err = compile(i, src)
	}
	if err != nil {
		// The kernel type-checks programs before sending them here, so a
		// failure to compile means yaegi does not support the program:
		// the kernel runs it with the compiler instead.
		if os.Getenv("GOKERNEL_WORKER_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "gokernel worker: yaegi cannot compile the program: %v\n", err)
		}
		return ExitUnsupported
	}
	// The kernel reads the program file's absence as "the program started":
	// from here on, nothing may run the cell again.
	if err := os.Remove(program); err != nil {
		fmt.Fprintf(os.Stderr, "gokernel worker: remove the compiled program: %v\n", err)
		return ExitUnsupported
	}
	_, err = i.Execute(prog)
	if err == nil {
		return 0
	}
	var p interp.Panic
	if errors.As(err, &p) {
		trace.Crash(p.Value)
	}
	fmt.Fprintf(os.Stderr, "gokernel worker: %v\n", err)
	return 2
}

// ExitUnsupported is the worker's exit status when yaegi cannot compile a
// program; nothing of the program ran, and the program file is left in
// place to say so.
const ExitUnsupported = 75

// compile compiles src, turning a crash of the interpreter's compiler into
// an error.
func compile(i *interp.Interpreter, src []byte) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaegi crashed: %v", r)
		}
	}()
	return i.Compile(string(src))
}

// mainLine is where the program's main notes the line it runs (the
// kernel's rewrite adds the notes). When the worker starts, it points into
// a page shared with the file PROGRAM.go.line, which the kernel reads after
// the worker died of a deadlock: the runtime's report shows the worker's
// frames, not the line of the program main is blocked at.
var mainLine = new(int64)

// shareMainLine maps the kernel's line file, if there is one, and points
// mainLine into it.
func shareMainLine(program string) {
	f, err := os.OpenFile(program+".line", os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return
	}
	mainLine = (*int64)(unsafe.Pointer(&b[0]))
}

// hostSymbols replaces the symbols the interpreter sandboxes with the real
// ones: the worker is a process of its own, like a compiled program, and
// its exit status is the program's. It also provides the function the
// kernel's rewrite of go statements defers.
func hostSymbols(trace *quietPanicTrace) interp.Exports {
	return interp.Exports{
		// os.Args is the worker's own, which main sets to the program's
		// arguments once it has them (a spare gets them late).
		"os/os": {"Exit": reflect.ValueOf(os.Exit), "Args": reflect.ValueOf(&os.Args).Elem()},
		// The size of this machine's uint, not of the one yaegi's tables
		// were made on.
		"math/bits/bits": {"UintSize": reflect.ValueOf(constant.MakeInt64(bits.UintSize))},
		"log/log": {
			"Fatal": reflect.ValueOf(log.Fatal), "Fatalf": reflect.ValueOf(log.Fatalf), "Fatalln": reflect.ValueOf(log.Fatalln),
			"Flags": reflect.ValueOf(log.Flags), "Output": reflect.ValueOf(log.Output),
			"Panic": reflect.ValueOf(log.Panic), "Panicf": reflect.ValueOf(log.Panicf), "Panicln": reflect.ValueOf(log.Panicln),
			"Prefix": reflect.ValueOf(log.Prefix), "Print": reflect.ValueOf(log.Print), "Printf": reflect.ValueOf(log.Printf),
			"Println": reflect.ValueOf(log.Println), "SetFlags": reflect.ValueOf(log.SetFlags), "SetOutput": reflect.ValueOf(log.SetOutput),
			"SetPrefix": reflect.ValueOf(log.SetPrefix), "Writer": reflect.ValueOf(log.Writer),
		},
		"gokernel/gokernel": {
			"Crash":  reflect.ValueOf(trace.Crash),
			"Unwind": reflect.ValueOf(trace.Unwind),
			"Index":  reflect.ValueOf(index),
			"Slice":  reflect.ValueOf(slice),
			"Slice3": reflect.ValueOf(slice3),
			"SliceL": reflect.ValueOf(sliceLen),
			// A variable holding a pointer: yaegi cannot assign to a
			// library variable of a basic type, but through a pointer.
			"MainLine": reflect.ValueOf(&mainLine).Elem(),
		},
	}
}

// index returns i when it is an index into something of length n, and
// otherwise panics with the Go runtime's own error for it ("index out of
// range [5] with length 3"): the kernel's rewrite checks the indexes of
// slices, arrays and strings with it, as yaegi's own check does not say
// which index and length.
func index(i, n int) int {
	if uint(i) >= uint(n) {
		_ = make([]struct{}, n)[i]
	}
	return i
}

// slice returns lo when s[lo:hi] is in range for a slice s of length n and
// capacity c, and otherwise panics with the Go runtime's own error for it
// ("slice bounds out of range [:5] with capacity 3"): the kernel's rewrite
// checks the bounds of slice expressions with it, as yaegi's own check
// names no bounds. For s[lo:], hi is n, as in Go.
func slice(lo, hi, n, c int) int {
	if lo < 0 || hi < lo || hi > c {
		// Zero-sized elements: this allocates nothing.
		_ = make([]struct{}, n, c)[lo:hi]
	}
	return lo
}

// slice3 is slice for the full slice expression s[lo:hi:max] on a slice
// of capacity c.
func slice3(lo, hi, max, c int) int {
	if lo < 0 || hi < lo || max < hi || max > c {
		_ = make([]struct{}, c)[lo:hi:max]
	}
	return lo
}

// sliceLen is slice for a string or an array of length n, whose errors
// name its length, not a capacity.
func sliceLen(lo, hi, n int) int {
	if lo < 0 || hi < lo || hi > n {
		// A string of length n over one byte: slicing checks the
		// bounds and reads nothing.
		var b byte
		_ = unsafe.String(&b, n)[lo:hi]
	}
	return lo
}

// Unwind records that a panic with value v unwound the interpreted
// function fn while it ran line (of the program): the kernel's rewrite
// makes every function call it, so that Crash names the lines where the
// panic happened, innermost first, as Go's report does. It returns the
// value to panic with again: v as the program gave it, not as yaegi
// wrapped it when it was recovered (a type assertion on the value
// recovered further up must still see an error as an error).
func (q *quietPanicTrace) Unwind(v any, fn string, line int) any {
	g := goroutineID()
	q.mu.Lock()
	defer q.mu.Unlock()
	v = unwrap(v)
	u := q.unwinding[g]
	if u == nil || !same(u.value, v) {
		// A new panic in this goroutine (the last one was recovered).
		u = &unwinding{value: v}
		if q.unwinding == nil {
			q.unwinding = map[string]*unwinding{}
		}
		q.unwinding[g] = u
	}
	u.frames = append(u.frames, fmt.Sprintf("%s\n\tmain.go:%d", frameName(fn), line))
	return v
}

// unwinding is a panic unwinding the interpreted frames of one goroutine.
type unwinding struct {
	value  any
	frames []string // innermost first
}

// same reports whether a and b are the same panic value.
func same(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false // not comparable
		}
	}()
	return a == b
}

// Crash ends the worker the way the Go runtime ends a program whose
// goroutine panicked with v: the report on standard error, with the
// interpreted frames the panic unwound, and status 2.
func (q *quietPanicTrace) Crash(v any) {
	g := goroutineID()
	q.mu.Lock()
	frames := strings.Join(q.frames, "\n")
	if u := q.unwinding[g]; u != nil && len(u.frames) > 0 {
		frames = strings.Join(u.frames, "\n")
	}
	q.mu.Unlock()
	if frames == "" {
		frames = "main.main()\n\t(interpreted by yaegi)"
	}
	fmt.Fprintf(os.Stderr, "panic: %s\n\ngoroutine %s [running]:\n%s\n", panicText(v), g, frames)
	os.Exit(2)
}

// panicText formats a panic value as the Go runtime's printpanicval does
// for the values programs panic with.
func panicText(v any) string {
	v = unwrap(v)
	switch x := v.(type) {
	case error:
		return runtimeWords(x.Error())
	case fmt.Stringer:
		return x.String()
	case string:
		return runtimeWords(x)
	case nil:
		// Since Go 1.21, panic(nil) panics with *runtime.PanicNilError.
		return "panic called with nil argument"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		if rv.Type().PkgPath() == "" {
			return fmt.Sprint(v)
		}
		return fmt.Sprintf("%s(%v)", rv.Type(), v)
	}
	return fmt.Sprintf("(%T) %p", v, &v)
}

// unwrap returns the value a panic value from yaegi stands for: yaegi may
// hand it over wrapped in reflect.Values, even several, of interface type.
func unwrap(v any) any {
	for {
		rv, ok := v.(reflect.Value)
		if !ok {
			break
		}
		for rv.IsValid() && rv.Kind() == reflect.Interface && !rv.IsNil() {
			rv = rv.Elem()
		}
		if !rv.IsValid() || !rv.CanInterface() {
			v = nil
			break
		}
		v = rv.Interface()
	}
	return v
}

// zeroValue is reflect's message for a use of a nil pointer.
var zeroValue = regexp.MustCompile(`^reflect: call of reflect\.Value\.\w+ on zero Value$`)

// positioned is a message of yaegi's that starts with a position.
var positioned = regexp.MustCompile(`^\d+:\d+: (interface conversion: .*)$`)

var goroutineLine = regexp.MustCompile(`^goroutine (\d+) `)

// goroutineID returns the number of the calling goroutine, as a trace
// shows it.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	if m := goroutineLine.FindSubmatch(buf); m != nil {
		return string(m[1])
	}
	return "1"
}

// yaegiPanicLine is the line the interpreter writes for each interpreted
// frame a panic unwinds, such as "12:3: panic: main.main(...)".
var yaegiPanicLine = regexp.MustCompile(`^(?:\S+:)?(\d+):\d+: panic: (\S+)\(\.\.\.\)\n$`)

// quietPanicTrace is the interpreter's standard error without the lines
// it writes while a panic unwinds interpreted frames: it keeps them as the
// frames Crash reports, as a compiled program reports a panic once, at the
// end.

type quietPanicTrace struct {
	w *os.File

	mu        sync.Mutex
	frames    []string              // yaegi's, of the panic being unwound, innermost first
	unwinding map[string]*unwinding // by goroutine number, from Unwind
}

func (q *quietPanicTrace) Write(b []byte) (int, error) {
	if m := yaegiPanicLine.FindSubmatch(b); m != nil {
		q.mu.Lock()
		q.frames = append(q.frames, fmt.Sprintf("%s\n\tmain.go:%s", frameName(string(m[2])), m[1]))
		q.mu.Unlock()
		return len(b), nil
	}
	return q.w.Write(b)
}

// runtimeWords says what reflect's checks, which yaegi relies on, report
// in the words of the Go runtime's own checks.
func runtimeWords(msg string) string {
	switch msg {
	case "reflect: slice index out of range", "reflect: array index out of range", "reflect: string index out of range":
		return "runtime error: index out of range"
	case "reflect.Value.Call: call of nil function", "reflect: call of nil function":
		return "runtime error: invalid memory address or nil pointer dereference"
	}
	// yaegi follows a nil pointer with reflect, which says so in its words.
	if zeroValue.MatchString(msg) {
		return "runtime error: invalid memory address or nil pointer dereference"
	}
	// yaegi puts the position before a failed type assertion's message.
	if m := positioned.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return msg
}

// frameName is a frame's first line in a trace: the function and its
// arguments, which the worker does not know and elides as "(...)", the
// way Go shows those of an inlined call; main.main has none, and Go shows
// "main.main()".
func frameName(fn string) string {
	if fn == "main.main" {
		return fn + "()"
	}
	return fn + "(...)"
}
