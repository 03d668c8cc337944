package runner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/runner/supervise"
)

// RunOptions configure one run of a cell program.
type RunOptions struct {
	// Args are the program's arguments.
	Args []string
	// Env is added to the kernel's environment (NAME=value).
	Env []string
	// Dir is the working directory; empty means the kernel's.
	Dir string
	// Stdout receives the program's ordinary output, in order.
	Stdout func(text []byte)
	// Stderr receives the program's standard error, except a crash report.
	Stderr func(text []byte)
	// Display receives display frames, in order with Stdout.
	Display func(m *frame.Message)
	// BadFrame receives display frames that could not be used.
	BadFrame func(err error)
	// Input answers the program's reads of standard input: prompt is empty
	// for a plain read (fmt.Scan) and set for display.Input. Nil means the
	// client does not accept input: the program gets end of file, and
	// NoInput is told once.
	Input func(prompt string, password bool) (string, error)
	// NoInput is called when the program reads standard input and Input is
	// nil, so the caller can say why the read got end of file.
	NoInput func()
	// Grace is how long an interrupted program has to exit before it is
	// killed; 0 means one second.
	Grace time.Duration
	// MaxFrame bounds one display frame; 0 means 64 MiB.
	MaxFrame int
	// Supervisor is a binary that runs Supervise when its first argument
	// is SuperviseArg (gokernel is one). The program then runs under it,
	// and every process the program starts ends with it, even those that
	// leave its process group and even when the kernel is killed. Empty
	// means no supervisor: processes in the program's group end with it.
	Supervisor string
	// Spare, when set, is a process started ahead for this program (see
	// StartSpare). Start hands it the program instead of starting
	// processes, when the spare was started with these Supervisor, Dir and
	// Env (and the kernel's environment as it is now), is still running,
	// and is either a supervisor waiting for its program or runs bin
	// already; otherwise Start ends the spare and starts the program
	// afresh. Start owns the spare either way.
	Spare *Spare
}

// Crash is how the Go runtime reported the death of a program.
type Crash struct {
	// Kind is "panic" or "fatal error" (a deadlock, a concurrent map
	// write, running out of memory), or "signal" for a fault such as
	// SIGSEGV outside Go code.
	Kind string
	// Message is the first line of the report after its kind.
	Message string
	// Report is the whole report: the message and the goroutine traces.
	Report string
}

// Result is how a program ended.
type Result struct {
	// ExitCode is the exit status, or -1 when a signal ended it.
	ExitCode int
	// Signal names the signal that ended the program, if one did.
	Signal string
	// Crash is set when the runtime reported a panic or fatal error.
	Crash *Crash
	// Interrupted reports that Interrupt was called before it ended.
	Interrupted bool
	// Hint is what may have caused a signal's ending, as a sentence to
	// append to Signal ("; ..."), or empty: a SIGKILL that the kernel did
	// not send usually comes from the system's out-of-memory killer.
	Hint string
	// Err is set when the program could not be run or waited for.
	Err error
}

// OK reports whether the program exited normally with status 0.
func (r Result) OK() bool {
	return r.Err == nil && r.ExitCode == 0 && r.Crash == nil && r.Signal == ""
}

// Process is a running cell program.
type Process struct {
	cmd   *exec.Cmd
	pid   int // the program's pid (cmd runs the supervisor, if any)
	sup   *supervisor
	opts  RunOptions
	stdin *os.File // write end of the program's standard input

	mu          sync.Mutex
	interrupted bool
	stdinClosed bool
	asking      bool // an input request is being answered

	pumps sync.WaitGroup
	crash crashFilter
	done  chan struct{}
}

// Start runs the program at bin. The caller must call Wait.
func Start(ctx context.Context, bin string, opts RunOptions) (*Process, error) {
	if opts.Grace <= 0 {
		opts.Grace = time.Second
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = 64 << 20
	}
	if spare := opts.Spare; spare != nil {
		opts.Spare = nil
		if l := spare.take(bin, opts); l != nil {
			return l.attach(ctx, opts)
		}
	}
	l, err := launch(append([]string{bin}, opts.Args...), opts)
	if err != nil {
		return nil, err
	}
	return l.attach(ctx, opts)
}

// launched is a process started for a cell program, before its outputs
// are read: the program, or the supervisor that runs it, and the kernel's
// ends of its pipes.
type launched struct {
	cmd    *exec.Cmd
	sup    *supervisor // nil without a supervisor
	token  string
	stdin  *os.File // write end of the program's standard input
	stdout *os.File
	stderr *os.File
}

// launch starts program (the path and the arguments) with opts'
// directory, environment and supervisor.
func launch(program []string, opts RunOptions) (*launched, error) {
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	if opts.Supervisor != "" {
		program = append([]string{opts.Supervisor, SuperviseArg}, program...)
	}
	cmd := exec.Command(program[0], program[1:]...)
	cmd.Dir = opts.Dir
	cmd.Env = append(append(os.Environ(), opts.Env...), frame.TokenEnv+"="+token)
	cmd.SysProcAttr = processAttr()
	var (
		sup     *supervisor
		reportW *os.File
	)
	if opts.Supervisor != "" {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", supervise.ParentEnv, os.Getpid()))
		cmd.SysProcAttr = supervisorAttr()
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		sup, reportW = &supervisor{report: bufio.NewReader(r), file: r}, w
		cmd.ExtraFiles = []*os.File{w}
	}
	closeReport := func() {
		if sup != nil {
			reportW.Close()
		}
	}
	fail := func(err error) (*launched, error) {
		closeReport()
		if sup != nil {
			sup.file.Close()
		}
		return nil, err
	}

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return fail(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		for _, f := range []*os.File{stdinR, stdinW, outR, outW} {
			f.Close()
		}
		return fail(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, outW, errW
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{stdinR, stdinW, outR, outW, errR, errW} {
			f.Close()
		}
		return fail(fmt.Errorf("start the cell program: %w", err))
	}
	stdinR.Close()
	outW.Close()
	errW.Close()
	closeReport()
	return &launched{cmd: cmd, sup: sup, token: token, stdin: stdinW, stdout: outR, stderr: errR}, nil
}

// kill ends a launched process that no cell uses and waits for it: the
// supervisor kills what it started when it gets SIGTERM.
func (l *launched) kill() {
	l.stdin.Close()
	if l.sup != nil {
		l.cmd.Process.Signal(syscall.SIGTERM)
	} else {
		signalGroup(l.cmd.Process.Pid, syscall.SIGKILL)
	}
	l.cmd.Wait()
	for _, f := range []*os.File{l.stdout, l.stderr} {
		f.Close()
	}
	if l.sup != nil {
		l.sup.file.Close()
	}
}

// attach makes a Process of a launched program: it learns the program's
// pid from the supervisor and starts reading the program's outputs.
func (l *launched) attach(ctx context.Context, opts RunOptions) (*Process, error) {
	cmd, sup := l.cmd, l.sup
	pid := cmd.Process.Pid
	if sup != nil {
		var err error
		if pid, err = sup.readPid(10 * time.Second); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			sup.file.Close()
			for _, f := range []*os.File{l.stdin, l.stdout, l.stderr} {
				f.Close()
			}
			return nil, fmt.Errorf("start the cell program: %w", err)
		}
	}

	p := &Process{cmd: cmd, pid: pid, sup: sup, opts: opts, stdin: l.stdin, done: make(chan struct{})}
	p.crash.emit = p.stderr
	p.pumps.Add(2)
	go p.pumpStdout(l.stdout, l.token)
	go p.pumpStderr(l.stderr)
	if canWatchStdin {
		p.pumps.Add(1)
		go p.watchStdin()
	} else if opts.Input == nil {
		p.closeStdin()
	}
	go func() {
		select {
		case <-ctx.Done():
			p.Interrupt()
		case <-p.done:
		}
	}()
	return p, nil
}

// Pid returns the program's process id.
func (p *Process) Pid() int { return p.pid }

// Interrupt asks the program to stop: SIGINT to its process group now, and
// SIGKILL if it is still running after the grace period.
func (p *Process) Interrupt() {
	p.mu.Lock()
	first := !p.interrupted
	p.interrupted = true
	p.mu.Unlock()
	if !first {
		return
	}
	signalGroup(p.pid, syscall.SIGINT)
	go func() {
		select {
		case <-p.done:
		case <-time.After(p.opts.Grace):
			signalGroup(p.pid, syscall.SIGKILL)
		}
	}()
}

// Wait waits for the program to end and for its output to be delivered,
// then kills whatever the program left running in its process group.
func (p *Process) Wait() Result {
	if p.sup != nil {
		if ws, ok := p.sup.readStatus(); ok {
			// The program and everything it started have ended (see
			// package supervise); the supervisor exits next, and is
			// reaped in the background.
			close(p.done)
			go p.reapSupervisor()
			r := p.drain()
			r.ExitCode = ws.ExitStatus()
			if ws.Signaled() {
				r.ExitCode, r.Signal = -1, ws.Signal().String()
			}
			return p.finish(r)
		}
		// The supervisor ended without a status: its own exit says what
		// happened.
	}
	err := p.cmd.Wait()
	close(p.done)
	// Processes the program started share its group; they end with it, as
	// goroutines end when main returns. (A supervisor has killed them, and
	// those that left the group, already.)
	signalGroup(p.pid, syscall.SIGKILL)
	r := p.drain()
	state := p.cmd.ProcessState
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		r.Err = err
	}
	if state != nil {
		r.ExitCode = state.ExitCode()
		if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.Signal = ws.Signal().String()
		}
	}
	if p.sup != nil && r.Err == nil {
		r.Err = fmt.Errorf("the cell supervisor ended (%s) without reporting how the program ended", state)
	}
	return p.finish(r)
}

// drain waits for the ended program's outputs to be delivered and closes
// its standard input; the Result says whether it was interrupted.
func (p *Process) drain() Result {
	p.pumps.Wait()
	p.closeStdin()
	p.mu.Lock()
	defer p.mu.Unlock()
	return Result{Interrupted: p.interrupted}
}

// supervisorExit bounds how long a supervisor that reported the status
// may take to exit before it is killed.
const supervisorExit = 2 * time.Second

// reapSupervisor waits for the supervisor to exit after its report,
// killing it if it does not in supervisorExit.
func (p *Process) reapSupervisor() {
	t := time.AfterFunc(supervisorExit, func() { p.cmd.Process.Kill() })
	defer t.Stop()
	p.cmd.Wait()
}

// finish completes r with what the program's standard error said.
func (p *Process) finish(r Result) Result {
	if r.Signal == syscall.SIGKILL.String() && !r.Interrupted {
		r.Hint = "; nothing in the kernel sent it, so the system may have run out of memory (the Linux out-of-memory killer sends SIGKILL to the largest process): check the cell's memory use"
	}
	if report := p.crash.report(); report != "" {
		if r.ExitCode == 2 || r.Signal != "" {
			r.Crash = parseCrash(report)
		} else {
			// Text that looked like a crash report but was not one.
			p.stderr([]byte(report))
		}
	}
	return r
}

func (p *Process) stderr(b []byte) {
	if p.opts.Stderr != nil && len(b) > 0 {
		p.opts.Stderr(b)
	}
}

func (p *Process) pumpStdout(r *os.File, token string) {
	defer p.pumps.Done()
	defer r.Close()
	s := frame.NewSplitter(token, p.opts.MaxFrame)
	emit := func(part frame.Part) {
		switch {
		case part.Err != nil:
			if p.opts.BadFrame != nil {
				p.opts.BadFrame(part.Err)
			}
		case part.Msg != nil:
			p.handleFrame(part.Msg)
		case len(part.Text) > 0:
			if p.opts.Stdout != nil {
				p.opts.Stdout(part.Text)
			}
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			s.Feed(buf[:n], emit)
		}
		if err != nil {
			break
		}
	}
	s.Flush(emit)
}

func (p *Process) handleFrame(m *frame.Message) {
	if err := m.Validate(); err != nil {
		if p.opts.BadFrame != nil {
			p.opts.BadFrame(err)
		}
		return
	}
	if m.Type != "input_request" {
		if p.opts.Display != nil {
			p.opts.Display(m)
		}
		return
	}
	p.answer(m.Prompt, m.Password)
}

// answer asks for one line of input and writes it to the program.
func (p *Process) answer(prompt string, password bool) {
	p.mu.Lock()
	if p.stdinClosed || p.asking {
		p.mu.Unlock()
		return
	}
	p.asking = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.asking = false
		p.mu.Unlock()
	}()
	if p.opts.Input == nil {
		if p.opts.NoInput != nil {
			p.opts.NoInput()
		}
		p.closeStdin()
		return
	}
	line, err := p.opts.Input(prompt, password)
	if err != nil {
		p.stderr([]byte(fmt.Sprintf("gokernel: no input for the program: %v; it gets end of file\n", err)))
		p.closeStdin()
		return
	}
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.closeStdin()
	}
}

func (p *Process) closeStdin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stdinClosed {
		p.stdinClosed = true
		p.stdin.Close()
	}
}

// watchStdin asks for input when the program blocks reading an empty
// standard input, which is how fmt.Scan and bufio.Scanner wait.
func (p *Process) watchStdin() {
	defer p.pumps.Done()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		p.mu.Lock()
		skip := p.stdinClosed || p.asking
		p.mu.Unlock()
		if skip || !readingEmptyStdin(p.pid, p.stdin) {
			continue
		}
		p.answer("", false)
	}
}

func (p *Process) pumpStderr(r *os.File) {
	defer p.pumps.Done()
	defer r.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.crash.write(buf[:n])
		}
		if err != nil {
			break
		}
	}
	p.crash.flushPartial()
}

// crashMarkers start the report the Go runtime prints when a program dies.
var crashMarkers = []string{"panic: ", "fatal error: ", "SIGQUIT: quit", "SIGSEGV: ", "SIGBUS: ", "SIGABRT: ", "[signal "}

// crashFilter passes standard error through, line by line, until a line
// starts a crash report; from there on it keeps the text as the report.
type crashFilter struct {
	emit    func([]byte)
	mu      sync.Mutex
	partial []byte // start of a line that may yet be a marker
	held    bytes.Buffer
	holding bool
}

func (f *crashFilter) write(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holding {
		f.held.Write(b)
		return
	}
	data := append(f.partial, b...)
	f.partial = nil
	var out []byte
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		if isMarker(line) {
			f.holding = true
			f.held.Write(data)
			break
		}
		if !complete {
			if couldBeMarker(line) {
				f.partial = append([]byte(nil), line...)
			} else {
				out = append(out, line...)
			}
			break
		}
		out = append(out, line...)
		out = append(out, '\n')
		data = rest
	}
	if len(out) > 0 {
		f.emit(out)
	}
}

func (f *crashFilter) flushPartial() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.partial) > 0 {
		f.emit(f.partial)
		f.partial = nil
	}
}

func (f *crashFilter) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held.String()
}

func isMarker(line []byte) bool {
	for _, m := range crashMarkers {
		if bytes.HasPrefix(line, []byte(m)) {
			return true
		}
	}
	return false
}

func couldBeMarker(line []byte) bool {
	for _, m := range crashMarkers {
		if len(line) < len(m) && strings.HasPrefix(m, string(line)) {
			return true
		}
	}
	return false
}

func parseCrash(report string) *Crash {
	first, _, _ := strings.Cut(report, "\n")
	c := &Crash{Report: strings.TrimRight(report, "\n"), Kind: "signal", Message: first}
	for _, kind := range []string{"panic", "fatal error"} {
		if msg, ok := strings.CutPrefix(first, kind+": "); ok {
			c.Kind, c.Message = kind, msg
			break
		}
	}
	// A panic while panicking, or a re-panicked value, prints more lines
	// starting with "panic: "; the first names the cause.
	c.Message = strings.TrimSuffix(c.Message, " [recovered]")
	return c
}
