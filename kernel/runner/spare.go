package runner

import (
	"errors"
	"os"
	"slices"
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

// Spares keeps spares ready for the next programs of an engine: Prepare
// starts them in the background after a cell, Take hands the oldest to
// the next. Keeping more than one lets cells that come faster than a
// spare starts (Run All) still find one ready: the spares start side by
// side, while the cells run. Its methods are safe for concurrent use;
// Close ends the spares it holds and the starts in progress.
type Spares struct {
	// program returns the program spares run already and whether there
	// is one to start; nil means spares are supervisors that wait for
	// their program.
	program func() (string, bool)
	size    int // how many spares Prepare keeps once Take was called

	mu        sync.Mutex
	kept      []*Spare      // oldest first
	preparing chan struct{} // closed when the Prepare in progress ends
	changed   chan struct{} // closed, and replaced, when kept grows or preparing ends
	closed    bool
	taken     bool // Take was called: the engine is in use
}

// NewSpares returns Spares that keep size spares (at least one; until
// Take is first called, only one, so a kernel whose cells never use
// the engine, and a kernel starting, do not pay for more) running
// the program that program returns (see StartSpare), asked for as each is
// started, or none while it returns false. With program nil, spares wait
// for their program.
func NewSpares(program func() (string, bool), size int) *Spares {
	return &Spares{program: program, size: max(size, 1), changed: make(chan struct{})}
}

// notify wakes the Takes waiting for a spare; s.mu must be held.
func (s *Spares) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Prepare starts spares for opts (their Supervisor, Dir and Env) in the
// background until it keeps as many as it was made for (see NewSpares);
// spares kept that
// do not suit opts are closed. It does nothing when opts has no
// supervisor, or while an earlier Prepare is still starting spares.
func (s *Spares) Prepare(opts RunOptions) {
	if opts.Supervisor == "" {
		return
	}
	opts = RunOptions{Supervisor: opts.Supervisor, Dir: opts.Dir, Env: append([]string(nil), opts.Env...)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.preparing != nil {
		return
	}
	done := make(chan struct{})
	s.preparing = done
	full := s.taken // as Take stood when Prepare was called
	go func() {
		defer close(done)
		program, ok := "", true
		if s.program != nil {
			program, ok = s.program()
		}
		// Spares started for other options are of no use any more.
		s.mu.Lock()
		var stale []*Spare
		kept := s.kept[:0]
		for _, sp := range s.kept {
			if ok && sp.matches(program, opts) {
				kept = append(kept, sp)
			} else {
				stale = append(stale, sp)
			}
		}
		s.kept = kept
		need := 1 - len(kept)
		if full {
			need = s.size - len(kept)
		}
		s.mu.Unlock()
		for _, sp := range stale {
			sp.Close()
		}
		// As many as are missing now: those Take hands out meanwhile are
		// the next Prepare's to replace.
		for ; ok && need > 0; need-- {
			// A spare that cannot start is no loss: Start starts the
			// program itself, and reports what fails.
			spare, err := StartSpare(program, opts)
			if err != nil {
				break
			}
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				spare.Close()
				break
			}
			s.kept = append(s.kept, spare)
			s.notify()
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.preparing = nil
		s.notify()
		s.mu.Unlock()
	}()
}

// Take returns the oldest spare kept (the one most likely ready), after
// waiting for one being started, or nil; the caller owns it.
func (s *Spares) Take() *Spare {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A Take that finds none (the program was not built yet) still says
	// the engine is in use: the next Prepare keeps the full set.
	s.taken = true
	for {
		if len(s.kept) > 0 {
			spare := s.kept[0]
			s.kept = slices.Delete(s.kept, 0, 1)
			return spare
		}
		if s.preparing == nil {
			return nil
		}
		changed := s.changed
		s.mu.Unlock()
		<-changed
		s.mu.Lock()
	}
}

// Close ends the spares kept and those being started, and waits for their
// processes to end; Prepare starts no more after it.
func (s *Spares) Close() error {
	s.mu.Lock()
	s.closed = true
	preparing, kept := s.preparing, s.kept
	s.kept = nil
	s.mu.Unlock()
	if preparing != nil {
		<-preparing // it closes what it starts, seeing closed
	}
	for _, sp := range kept {
		sp.Close()
	}
	return nil
}
