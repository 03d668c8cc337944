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
// The kernel writes this source (and the symbol tables of the helper
// packages in ./symbols) into its cell workspace and builds it with
// CGO_ENABLED=0, so that the Go runtime's deadlock detector sees the
// interpreted goroutines: the worker starts no goroutines of its own.
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"asyncgo/kernel/interp/worker/symbols"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: worker PROGRAM.go [ARG...]")
		os.Exit(2)
	}
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokernel worker: read the program: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(src, os.Args[1:]))
}

// run interprets src and returns the exit status.
func run(src []byte, args []string) int {
	// Interpreted goroutines may allocate a lot; the worker lives for one
	// cell, as the compiled program does.
	debug.SetGCPercent(200)
	trace := &quietPanicTrace{w: os.Stderr}
	i := interp.New(interp.Options{
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       trace,
		Args:         args,
		Unrestricted: true,
	})
	for _, table := range []interp.Exports{stdlib.Symbols, symbols.Symbols, hostSymbols(trace)} {
		if err := i.Use(table); err != nil {
			fmt.Fprintf(os.Stderr, "gokernel worker: load the symbol tables: %v\n", err)
			return 2
		}
	}
	prog, err := compile(i, src)
	if err != nil {
		// The kernel type-checks programs before sending them here, so a
		// failure to compile means yaegi does not support the program:
		// the kernel runs it with the compiler instead.
		if os.Getenv("GOKERNEL_WORKER_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "gokernel worker: yaegi cannot compile the program: %v\n", err)
		}
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
// program; nothing of the program ran.
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

// hostSymbols replaces the symbols the interpreter sandboxes with the real
// ones: the worker is a process of its own, like a compiled program, and
// its exit status is the program's. It also provides the function the
// kernel's rewrite of go statements defers.
func hostSymbols(trace *quietPanicTrace) interp.Exports {
	return interp.Exports{
		"os/os": {"Exit": reflect.ValueOf(os.Exit)},
		"log/log": {
			"Fatal": reflect.ValueOf(log.Fatal), "Fatalf": reflect.ValueOf(log.Fatalf), "Fatalln": reflect.ValueOf(log.Fatalln),
			"Flags": reflect.ValueOf(log.Flags), "Output": reflect.ValueOf(log.Output),
			"Panic": reflect.ValueOf(log.Panic), "Panicf": reflect.ValueOf(log.Panicf), "Panicln": reflect.ValueOf(log.Panicln),
			"Prefix": reflect.ValueOf(log.Prefix), "Print": reflect.ValueOf(log.Print), "Printf": reflect.ValueOf(log.Printf),
			"Println": reflect.ValueOf(log.Println), "SetFlags": reflect.ValueOf(log.SetFlags), "SetOutput": reflect.ValueOf(log.SetOutput),
			"SetPrefix": reflect.ValueOf(log.SetPrefix), "Writer": reflect.ValueOf(log.Writer),
		},
		"gokernel/gokernel": {"Crash": reflect.ValueOf(trace.Crash)},
	}
}

// Crash ends the worker the way the Go runtime ends a program whose
// goroutine panicked with v: the report on standard error, with the
// interpreted frames the panic unwound, and status 2.
func (q *quietPanicTrace) Crash(v any) {
	q.mu.Lock()
	frames := strings.Join(q.frames, "\n")
	q.mu.Unlock()
	if frames == "" {
		frames = "main.main()\n\t(interpreted by yaegi)"
	}
	fmt.Fprintf(os.Stderr, "panic: %s\n\ngoroutine %s [running]:\n%s\n", panicText(v), goroutineID(), frames)
	os.Exit(2)
}

// panicText formats a panic value as the Go runtime's printpanicval does
// for the values programs panic with.
func panicText(v any) string {
	if rv, ok := v.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
		v = rv.Interface()
	}
	switch x := v.(type) {
	case error:
		return runtimeWords(x.Error())
	case fmt.Stringer:
		return x.String()
	case string:
		return runtimeWords(x)
	case nil:
		return "nil"
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

	mu     sync.Mutex
	frames []string // of the panic being unwound, innermost first
}

func (q *quietPanicTrace) Write(b []byte) (int, error) {
	if m := yaegiPanicLine.FindSubmatch(b); m != nil {
		q.mu.Lock()
		q.frames = append(q.frames, fmt.Sprintf("%s(...)\n\tmain.go:%s", m[2], m[1]))
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
	}
	return msg
}
