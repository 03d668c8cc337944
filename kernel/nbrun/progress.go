package nbrun

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress receives the events of a run; its methods are safe for
// concurrent use.
type progress interface {
	start(path string, cells int)
	cell(path string, n int)
	done(r Result)
	close()
}

func newProgress(w io.Writer, live bool) progress {
	if w == nil {
		return quiet{}
	}
	if !live {
		return &plainProgress{w: w}
	}
	p := &liveProgress{w: w, stop: make(chan struct{}), stopped: make(chan struct{})}
	go p.tick()
	return p
}

type quiet struct{}

func (quiet) start(string, int) {}
func (quiet) cell(string, int)  {}
func (quiet) done(Result)       {}
func (quiet) close()            {}

// resultLine is the one-line account of a finished notebook.
func resultLine(r Result) string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("FAIL  %s (%d cells, %s): %v", r.Path, r.Cells, seconds(r.Elapsed), firstLine(r.Err.Error()))
	case len(r.Diffs) > 0:
		return fmt.Sprintf("DIFF  %s (%d cells, %s): %d cells differ", r.Path, r.Cells, seconds(r.Elapsed), len(r.Diffs))
	}
	return fmt.Sprintf("ok    %s (%d cells, %s)", r.Path, r.Cells, seconds(r.Elapsed))
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// plainProgress writes one line per notebook when it ends.
type plainProgress struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *plainProgress) start(string, int) {}
func (p *plainProgress) cell(string, int)  {}
func (p *plainProgress) close()            {}
func (p *plainProgress) done(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, resultLine(r))
}

// liveProgress keeps one line per running notebook at the bottom of a
// terminal and redraws them in place, at each event and twice a second
// for the elapsed times. Finished notebooks are printed above them.
type liveProgress struct {
	mu      sync.Mutex
	w       io.Writer
	running []*liveLine
	drawn   int // lines drawn last time, to move back over them
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type liveLine struct {
	path     string
	cell, of int
	began    time.Time
}

func (p *liveProgress) tick() {
	defer close(p.stopped)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.redraw("")
			p.mu.Unlock()
		}
	}
}

func (p *liveProgress) start(path string, cells int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = append(p.running, &liveLine{path: path, of: cells, began: time.Now()})
	p.redraw("")
}

func (p *liveProgress) cell(path string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.running {
		if l.path == path {
			l.cell = n
		}
	}
	p.redraw("")
}

func (p *liveProgress) done(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, l := range p.running {
		if l.path == r.Path {
			p.running = append(p.running[:i], p.running[i+1:]...)
			break
		}
	}
	p.redraw(resultLine(r))
}

// redraw moves the cursor back over the lines drawn last time, prints
// finished (when not empty) as a permanent line, then the running lines.
func (p *liveProgress) redraw(finished string) {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dF", p.drawn) // to the start of the first drawn line
	}
	b.WriteString("\x1b[J") // clear to the end of the screen
	if finished != "" {
		b.WriteString(finished + "\n")
	}
	for _, l := range p.running {
		fmt.Fprintf(&b, "  ... %s: cell %d of %d, %s\n", l.path, l.cell, l.of, seconds(time.Since(l.began)))
	}
	p.drawn = len(p.running)
	io.WriteString(p.w, b.String())
}

func (p *liveProgress) close() {
	p.once.Do(func() {
		close(p.stop)
		<-p.stopped
		p.mu.Lock()
		defer p.mu.Unlock()
		p.running = nil
		p.redraw("")
	})
}
