package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"sync"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/channel"
	"asyncgo/kernel/debugger"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/runner"
)

// debugState is the kernel's Jupyter debugger. d is nil when dlv is not
// found, and then kernel_info says debugger false.
type debugState struct {
	d   *debugger.Debugger
	dir string // the cell files' directory, removed when the kernel ends

	mu     sync.Mutex
	parent *jupyter.Message // the request the next debug_event answers to
}

// newDebugger sets up the debugger when dlv is found (goCmd is a go
// command whose GOBIN or GOPATH/bin may hold dlv); without dlv the
// kernel works as before and says it has no debugger. The cell files'
// directory lies outside the workspace module, so -trimpath keeps the
// paths that //line directives name (see asyncgo/kernel/debugger).
func (k *Kernel) newDebugger(goCmd string) {
	dlv, err := debugger.FindDlv(goCmd)
	if err != nil {
		k.log.Info("no debugger: dlv not found", "err", err)
		return
	}
	// JupyterLab 4 shows a cell file as "Cell [N]" in its call stack and
	// breakpoints panels, instead of the path, only when the path
	// contains "ipykernel_" (its display provider for notebook cells keys
	// on ipykernel's temporary directory), so the directory's name holds
	// it.
	dir, err := os.MkdirTemp("", "gokernel-cells-ipykernel_")
	if err == nil {
		// The next kernel removes it if this one is killed, as it does
		// the workspace.
		err = runner.MarkOwner(dir)
	}
	if err != nil {
		os.RemoveAll(dir)
		k.log.Warn("no debugger: cannot create the cell files' directory", "err", err)
		return
	}
	d, err := debugger.New(debugger.Config{Dlv: dlv, Dir: dir, Events: k.debugEvent,
		// The threads list names goroutines that the course's helpers
		// named (asyncgo/helpers/timeline's NameGoroutine sets this
		// pprof label).
		GoroutineLabel: "goroutine",
		// The call stack names a cell's file In[N], as traces do.
		SourceName: func(path string) (string, bool) {
			name := k.exec.Names(path)
			return name, name != path
		},
	})
	if err != nil {
		os.RemoveAll(dir)
		k.log.Warn("no debugger", "err", err)
		return
	}
	k.debug.d, k.debug.dir = d, dir
}

// closeDebugger removes the cell files' directory; runs have ended then.
func (k *Kernel) closeDebugger() {
	if k.debug.dir != "" {
		os.RemoveAll(k.debug.dir)
	}
}

// debugRequest answers a debug_request (on the control socket) with the
// debugger's debug_reply.
func (k *Kernel) debugRequest(ctx context.Context, r *channel.Router, m *jupyter.Message) {
	if k.debug.d == nil {
		k.reply(r, m, "debug_reply", map[string]any{"type": "response", "success": false, "command": "",
			"message": "gokernel has no debugger: install delve (" + debugger.InstallCommand + ") and restart the kernel"})
		return
	}
	k.debug.mu.Lock()
	k.debug.parent = m
	k.debug.mu.Unlock()
	reply := k.debug.d.Handle(ctx, m.Content)
	if k.log.Enabled(ctx, slog.LevelDebug) {
		var req, resp struct {
			Command string `json:"command"`
			Success bool   `json:"success"`
			Message string `json:"message"`
		}
		json.Unmarshal(m.Content, &req)
		json.Unmarshal(reply, &resp)
		k.log.Debug("debug_request", "command", req.Command, "success", resp.Success, "message", resp.Message)
	}
	k.reply(r, m, "debug_reply", json.RawMessage(reply))
}

// debugEvent publishes one of the debugger's events as a debug_event on
// IOPub, parented to the latest debug_request.
func (k *Kernel) debugEvent(event []byte) {
	k.debug.mu.Lock()
	parent := k.debug.parent
	k.debug.mu.Unlock()
	if k.log.Enabled(context.Background(), slog.LevelDebug) {
		var ev struct {
			Event string `json:"event"`
		}
		json.Unmarshal(event, &ev)
		k.log.Debug("debug_event", "event", ev.Event)
	}
	k.publish(parent, "debug_event", json.RawMessage(event))
}

// cellDebugger runs cells under the kernel's debugger for the Executor
// (execution.Debugger): while the frontend's debug session has
// breakpoints, cells are built unoptimised, name their lines by the
// debugger's cell files and run under delve. Its d is set once, before
// the kernel serves; nil means no debugger.
type cellDebugger struct{ d *debugger.Debugger }

// Active reports whether the next cell runs under delve: the frontend's
// debug session is started and has breakpoints.
func (c *cellDebugger) Active() bool { return c.d != nil && c.d.HasBreakpoints() }

// Flags build a program delve can step through: no optimisations or
// inlining, and with the symbols and DWARF that the workspace's usual
// -ldflags=-s -w strips (a later -ldflags replaces it).
func (c *cellDebugger) Flags() []string { return []string{"-gcflags=all=-N -l", "-ldflags="} }

// CellPath writes code to the file the frontend knows the cell by.
func (c *cellDebugger) CellPath(code string) (string, error) { return c.d.DumpCell(code) }

// Run runs bin under delve. Its output goes to opts' Stdout and Stderr,
// and display frames to opts.Display, as runner.Start does; reading
// standard input gets end of file.
func (c *cellDebugger) Run(ctx context.Context, bin string, opts runner.RunOptions) (runner.Result, error) {
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	stdout := &frameWriter{s: frame.NewSplitter(token, frame.DefaultMaxFrame), opts: opts}
	code, err := c.d.Run(ctx, debugger.Program{
		Path:   bin,
		Args:   opts.Args,
		Env:    append(slices.Clip(opts.Env), frame.TokenEnv+"="+token),
		Dir:    opts.Dir,
		Stdout: stdout,
		Stderr: sinkWriter(opts.Stderr),
	})
	stdout.flush()
	switch {
	case ctx.Err() != nil:
		return runner.Result{ExitCode: -1, Interrupted: true}, nil
	case err != nil:
		return runner.Result{}, err
	}
	return runner.Result{ExitCode: code}, nil
}

// frameWriter splits a debugged program's standard output into text and
// display frames. Delve sends output events one at a time, so Write is
// not called concurrently.
type frameWriter struct {
	s    *frame.Splitter
	opts runner.RunOptions
}

func (w *frameWriter) Write(b []byte) (int, error) {
	w.s.Feed(b, w.emit)
	return len(b), nil
}

func (w *frameWriter) flush() { w.s.Flush(w.emit) }

func (w *frameWriter) emit(p frame.Part) {
	switch {
	case p.Err != nil:
		if w.opts.BadFrame != nil {
			w.opts.BadFrame(p.Err)
		}
	case p.Msg != nil:
		if err := p.Msg.Validate(); err != nil || p.Msg.Type == frame.TypeInputRequest {
			if w.opts.BadFrame != nil && err != nil {
				w.opts.BadFrame(err)
			}
			return
		}
		if w.opts.Display != nil {
			w.opts.Display(p.Msg)
		}
	case len(p.Text) > 0:
		if w.opts.Stdout != nil {
			w.opts.Stdout(slices.Clone(p.Text))
		}
	}
}

// sinkWriter is an io.Writer that gives its bytes to a cell's output sink.
type sinkWriter func([]byte)

func (w sinkWriter) Write(b []byte) (int, error) {
	if w != nil {
		w(slices.Clone(b))
	}
	return len(b), nil
}
