package runner

import (
	"errors"
	"os"
	"strings"
	"sync"

	"asyncgo/kernel/runner/supervise"
)

// A cell waits for the processes it runs in to start: the supervisor, and
// the program (the yaegi worker spends tens of milliseconds setting up
// its interpreter before it reads the program). A spare is that work done
// before the cell comes: a supervisor started ahead, which waits for the
// program to run, or a supervisor that runs a program already, which
// waits for its arguments (see package supervise). A spare runs one
// program, once, like a process started for the cell: nothing carries
// over from one cell to the next.

// Spare is a supervisor started ahead of the cell program it will run
// (see StartSpare). Pass it to Start in RunOptions.Spare, or Close it.
type Spare struct {
	program string // the program it runs already; empty for a supervisor waiting for one
	key     string // what the process was started with (see spareKey)

	mu   sync.Mutex
	l    *launched // nil once taken or closed
	used bool
}

// StartSpare starts a spare for a later Start whose options have the same
// Supervisor (which must be set), Dir and Env. With program empty, the
// spare is a supervisor that waits for the program Start names. With
// program set, the supervisor starts program at once with the one
// argument supervise.SpareArg; program must then read its arguments from
// its standard input, as supervise.ReadArgs does, and Start uses the
// spare only to run program, with RunOptions.Args as its arguments.
func StartSpare(program string, opts RunOptions) (*Spare, error) {
	if opts.Supervisor == "" {
		return nil, errors.New("a spare needs a cell supervisor (RunOptions.Supervisor)")
	}
	args := []string{supervise.SpareArg}
	if program != "" {
		args = []string{program, supervise.SpareArg}
	}
	l, err := launch(args, opts)
	if err != nil {
		return nil, err
	}
	return &Spare{program: program, key: spareKey(opts), l: l}, nil
}

// spareKey is what a spare process started with opts shares with a
// process Start would start for them now: its supervisor, directory and
// environment (the kernel's and the options'; the display token differs
// from process to process anyway).
func spareKey(opts RunOptions) string {
	env := append(os.Environ(), opts.Env...)
	return opts.Supervisor + "\x00" + opts.Dir + "\x00" + strings.Join(env, "\x00")
}

// matches reports whether the spare was started for program and opts.
func (s *Spare) matches(program string, opts RunOptions) bool {
	return s.program == program && s.key == spareKey(opts)
}

// Used reports whether Start ran a program in the spare.
func (s *Spare) Used() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// Pid returns the pid of the spare's supervisor, or 0 once it was taken
// or closed.
func (s *Spare) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		return 0
	}
	return s.l.cmd.Process.Pid
}

// take hands the spare the program bin with opts.Args, and returns its
// process for Start; or, when the spare does not suit them or has died,
// ends it and returns nil, and Start starts the program afresh.
func (s *Spare) take(bin string, opts RunOptions) *launched {
	s.mu.Lock()
	l := s.l
	s.l = nil
	s.mu.Unlock()
	if l == nil {
		return nil
	}
	args := opts.Args
	switch {
	case s.program == "":
		args = append([]string{bin}, args...)
	case s.program != bin:
		l.kill()
		return nil
	}
	if s.key != spareKey(opts) {
		l.kill() // the environment or the directory changed
		return nil
	}
	// A spare whose processes died has no reader left on its standard
	// input: the write fails, and nothing of the program has run.
	if _, err := l.stdin.Write(supervise.EncodeArgs(args)); err != nil {
		l.kill()
		return nil
	}
	s.mu.Lock()
	s.used = true
	s.mu.Unlock()
	return l
}

// Close ends the spare, unless Start took it, and waits for its
// processes to end.
func (s *Spare) Close() error {
	s.mu.Lock()
	l := s.l
	s.l = nil
	s.mu.Unlock()
	if l != nil {
		l.kill()
	}
	return nil
}

// Spares keeps one spare ready for the next program of an engine: Prepare
// starts it in the background after a cell, Take hands it to the next.
// Its methods are safe for concurrent use; Close ends the spare it holds
// and the start in progress.
type Spares struct {
	// program returns the program spares run already and whether there
	// is one to start; nil means spares are supervisors that wait for
	// their program.
	program func() (string, bool)

	mu       sync.Mutex
	spare    *Spare
	starting chan struct{} // closed when the start in progress ends
	closed   bool
}

// NewSpares returns Spares whose spares run the program that program
// returns (see StartSpare), asked for as each is started, or none while
// it returns false. With program nil, spares wait for their program.
func NewSpares(program func() (string, bool)) *Spares {
	return &Spares{program: program}
}

// Prepare starts a spare for opts (its Supervisor, Dir and Env) in the
// background, unless the one kept suits them already; one that does not
// is closed. It does nothing when opts has no supervisor.
func (s *Spares) Prepare(opts RunOptions) {
	if opts.Supervisor == "" {
		return
	}
	opts = RunOptions{Supervisor: opts.Supervisor, Dir: opts.Dir, Env: append([]string(nil), opts.Env...)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.starting != nil {
		return
	}
	old := s.spare
	s.spare = nil
	done := make(chan struct{})
	s.starting = done
	go func() {
		defer close(done)
		program, ok := "", true
		if s.program != nil {
			program, ok = s.program()
		}
		var spare *Spare
		if old != nil && ok && old.matches(program, opts) {
			spare, old = old, nil
		}
		if old != nil {
			old.Close()
		}
		if spare == nil && ok {
			// A spare that cannot start is no loss: Start starts the
			// program itself, and reports what fails.
			spare, _ = StartSpare(program, opts)
		}
		s.mu.Lock()
		s.starting = nil
		if !s.closed && spare != nil {
			s.spare, spare = spare, nil
		}
		s.mu.Unlock()
		if spare != nil {
			spare.Close()
		}
	}()
}

// Take returns the spare kept, after waiting for one being started, or
// nil; the caller owns it.
func (s *Spares) Take() *Spare {
	s.mu.Lock()
	starting := s.starting
	s.mu.Unlock()
	if starting != nil {
		<-starting
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	spare := s.spare
	s.spare = nil
	return spare
}

// Close ends the spare kept and one being started, and waits for their
// processes to end; Prepare starts no more after it.
func (s *Spares) Close() error {
	s.mu.Lock()
	s.closed = true
	starting, spare := s.starting, s.spare
	s.spare = nil
	s.mu.Unlock()
	if starting != nil {
		<-starting // it closes what it started, seeing closed
	}
	if spare != nil {
		spare.Close()
	}
	return nil
}
