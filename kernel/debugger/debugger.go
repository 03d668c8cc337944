package debugger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultSeed is the hashSeed the kernel announces in debugInfo when
// Config.Seed is zero.
const DefaultSeed = 0xC70F6907

// CellSuffix ends the names of cell files: they hold Go code.
const CellSuffix = ".go"

// Config says where a Debugger keeps cell files, which dlv it runs and
// where its events go.
type Config struct {
	// Dlv is the path of delve's dlv command; FindDlv("")'s answer when
	// empty.
	Dlv string
	// Dir is the directory of cell files (dumpCell writes them, source
	// reads them); it must exist. Its path must contain no newline or
	// colon, since it appears in //line directives.
	Dir string
	// Seed is the hashSeed of cell file names; DefaultSeed when zero.
	Seed uint32
	// GoroutineLabel is the key of the pprof label (runtime/pprof) whose
	// value names a goroutine in the threads list, as in
	// "[Go 7 careful] main.main.func1"; none when empty.
	GoroutineLabel string
	// SourceName, when set, names a cell file in the stack frames
	// delve reports (DAP's source.name, which frontends show beside the
	// line), such as "In[3]" for the file of the cell the learner ran
	// third; ok false keeps delve's name, the file's base name.
	SourceName func(path string) (name string, ok bool)
	// Events receives each event for the frontend: the content of a
	// debug_event message. It is called from one goroutine at a time, in
	// order, and must not call the Debugger's methods.
	Events func(event []byte)
}

// Debugger is the kernel's side of Jupyter's debug protocol for one kernel
// session. Handle answers debug_request messages; Run runs a compiled cell
// program under delve while the frontend's debug session is started.
// Its methods may be called from several goroutines.
type Debugger struct {
	cfg Config

	// bpMu orders the breakpoints sent to delve: held while a run's
	// initial breakpoints or a frontend's setBreakpoints go out.
	bpMu sync.Mutex

	mu          sync.Mutex
	seq         int                        // seq of messages to the frontend
	started     bool                       // between attach and disconnect
	breakpoints map[string]json.RawMessage // source path → setBreakpoints arguments
	stopped     map[int]bool               // stopped thread ids
	run         *adapter                   // the program running under delve, or nil
	running     bool                       // a Run is under way
	exitCode    int                        // from the run's exited event
}

// New returns a Debugger for cfg. It fails when cfg.Dir is unusable or dlv
// cannot be found.
func New(cfg Config) (*Debugger, error) {
	if cfg.Dir == "" || !filepath.IsAbs(cfg.Dir) {
		return nil, fmt.Errorf("debugger: cell directory %q must be an absolute path", cfg.Dir)
	}
	if strings.ContainsAny(cfg.Dir, ":\n") {
		return nil, fmt.Errorf("debugger: cell directory %q contains a colon or newline, which //line directives cannot name", cfg.Dir)
	}
	if fi, err := os.Stat(cfg.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("debugger: cell directory %q does not exist: create it first", cfg.Dir)
	}
	if cfg.Dlv == "" {
		p, err := FindDlv("")
		if err != nil {
			return nil, err
		}
		cfg.Dlv = p
	}
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.Events == nil {
		cfg.Events = func([]byte) {}
	}
	return &Debugger{cfg: cfg, breakpoints: map[string]json.RawMessage{}, stopped: map[int]bool{}}, nil
}

// CellPath returns the file that stands for a cell with this code: the
// path dumpCell writes and JupyterLab computes (tmpFilePrefix, the
// Murmur2 hash of the code, tmpFileSuffix). A debug build names it in the
// cell's //line directives, so delve reports, and sets breakpoints on, the
// cell's own lines.
func (d *Debugger) CellPath(code string) string {
	return d.prefix() + strconv.FormatUint(uint64(Murmur2([]byte(code), d.cfg.Seed)), 10) + CellSuffix
}

func (d *Debugger) prefix() string { return d.cfg.Dir + string(filepath.Separator) }

// DumpCell writes code to its CellPath and returns the path.
func (d *Debugger) DumpCell(code string) (string, error) {
	p := d.CellPath(code)
	if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
		return "", fmt.Errorf("writing the cell's file for the debugger: %w", err)
	}
	return p, nil
}

// Started reports whether the frontend's debug session is started
// (attached and not disconnected): cells then run under delve.
func (d *Debugger) Started() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started
}

// HasBreakpoints reports whether any cell file has a breakpoint; the kernel
// builds such runs without optimisations and not on its fast path.
func (d *Debugger) HasBreakpoints() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started && len(d.breakpoints) > 0
}

// Handle answers one debug_request: request is its content, a DAP request;
// the result is the content of the debug_reply. Requests about the
// running program are forwarded to delve; the others are answered here.
func (d *Debugger) Handle(ctx context.Context, request []byte) []byte {
	req := new(Message)
	if err := json.Unmarshal(request, req); err != nil || req.Type != "request" || req.Command == "" {
		return d.reply(&Message{Command: "unknown"}, nil, errors.New("debug_request content is not a DAP request: send {\"type\":\"request\",\"command\":...}"))
	}
	body, fwd, err := d.handle(ctx, req)
	if fwd != nil {
		return d.forwarded(req, fwd)
	}
	return d.reply(req, body, err)
}

// handle answers req, or returns delve's response to it.
func (d *Debugger) handle(ctx context.Context, req *Message) (body any, fwd *Message, err error) {
	switch req.Command {
	case "initialize":
		return capabilities, nil, nil
	case "attach", "launch":
		d.mu.Lock()
		d.started = true
		d.mu.Unlock()
		return nil, nil, nil
	case "configurationDone", "setExceptionBreakpoints", "setFunctionBreakpoints":
		return d.forwardOr(ctx, req, map[string]any{})
	case "debugInfo":
		return d.debugInfo(), nil, nil
	case "dumpCell":
		var a struct {
			Code *string `json:"code"`
		}
		if json.Unmarshal(req.Arguments, &a) != nil || a.Code == nil {
			return nil, nil, errors.New("dumpCell needs arguments {\"code\": ...}")
		}
		p, err := d.DumpCell(*a.Code)
		return map[string]string{"sourcePath": p}, nil, err
	case "source":
		return d.source(req)
	case "setBreakpoints":
		return d.setBreakpoints(ctx, req)
	case "threads":
		return d.forwardOr(ctx, req, map[string]any{"threads": []any{}})
	case "modules":
		// JupyterLab's kernel sources panel: the cell files.
		return d.modules()
	case "inspectVariables":
		return d.inspectVariables(ctx)
	case "richInspectVariables":
		return nil, nil, errors.New("richInspectVariables: gokernel shows variables as text only (richRendering is false)")
	case "disconnect":
		return d.disconnect(ctx)
	}
	return d.forwardOr(ctx, req, nil)
}

// capabilities are the DAP capabilities the kernel announces: delve's
// that the kernel passes on.
var capabilities = map[string]any{
	"supportsConfigurationDoneRequest":  true,
	"supportsConditionalBreakpoints":    true,
	"supportsHitConditionalBreakpoints": true,
	"supportsLogPoints":                 true,
	"supportsEvaluateForHovers":         true,
	"supportsSetVariable":               true,
	"supportsDelayedStackTraceLoading":  true,
	"supportsSteppingGranularity":       true,
	"supportTerminateDebuggee":          true,
	"exceptionBreakpointFilters":        []any{},
}

// forwardOr forwards req to the running program's delve, or, when no
// program runs, answers with idle (or fails when idle is nil).
func (d *Debugger) forwardOr(ctx context.Context, req *Message, idle any) (any, *Message, error) {
	d.mu.Lock()
	a := d.run
	d.mu.Unlock()
	if a == nil {
		if idle == nil {
			return nil, nil, fmt.Errorf("%s: no cell is running under the debugger; run a cell first", req.Command)
		}
		return idle, nil, nil
	}
	m, err := a.call(ctx, req.Command, req.Arguments)
	if err != nil {
		return nil, nil, err
	}
	return nil, m, nil
}

func (d *Debugger) debugInfo() any {
	d.mu.Lock()
	defer d.mu.Unlock()
	type sourceBreakpoints struct {
		Source      string          `json:"source"`
		Breakpoints json.RawMessage `json:"breakpoints"`
	}
	bps := []sourceBreakpoints{}
	for _, path := range slices.Sorted(maps.Keys(d.breakpoints)) {
		var a struct {
			Breakpoints json.RawMessage `json:"breakpoints"`
		}
		json.Unmarshal(d.breakpoints[path], &a)
		if a.Breakpoints == nil {
			a.Breakpoints = json.RawMessage("[]")
		}
		bps = append(bps, sourceBreakpoints{path, a.Breakpoints})
	}
	return map[string]any{
		"isStarted":      d.started,
		"hashMethod":     "Murmur2",
		"hashSeed":       d.cfg.Seed,
		"tmpFilePrefix":  d.prefix(),
		"tmpFileSuffix":  CellSuffix,
		"breakpoints":    bps,
		"stoppedThreads": append([]int{}, slices.Sorted(maps.Keys(d.stopped))...),
		"richRendering":  false,
		"exceptionPaths": []string{},
	}
}

// modules lists the cell files dumped so far, as DAP modules.
func (d *Debugger) modules() (any, *Message, error) {
	files, err := filepath.Glob(filepath.Join(d.cfg.Dir, "*"+CellSuffix))
	if err != nil {
		return nil, nil, fmt.Errorf("modules: %w", err)
	}
	type module struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Path string `json:"path"`
	}
	mods := make([]module, len(files))
	for i, f := range files {
		mods[i] = module{ID: f, Name: filepath.Base(f), Path: f}
	}
	return map[string]any{"modules": mods, "totalModules": len(mods)}, nil, nil
}

func (d *Debugger) source(req *Message) (any, *Message, error) {
	var a struct {
		Source struct {
			Path string `json:"path"`
		} `json:"source"`
	}
	if json.Unmarshal(req.Arguments, &a) != nil || a.Source.Path == "" {
		return nil, nil, errors.New("source needs arguments {\"source\": {\"path\": ...}}")
	}
	b, err := os.ReadFile(a.Source.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	return map[string]string{"content": string(b)}, nil, nil
}

// setBreakpoints keeps a source's breakpoints (for debugInfo and the next
// run) and passes them to the running program.
func (d *Debugger) setBreakpoints(ctx context.Context, req *Message) (any, *Message, error) {
	var a struct {
		Source struct {
			Path string `json:"path"`
		} `json:"source"`
		Breakpoints []struct {
			Line int `json:"line"`
		} `json:"breakpoints"`
	}
	if json.Unmarshal(req.Arguments, &a) != nil || a.Source.Path == "" {
		return nil, nil, errors.New("setBreakpoints needs arguments {\"source\": {\"path\": ...}, \"breakpoints\": [...]}")
	}
	d.bpMu.Lock()
	defer d.bpMu.Unlock()
	d.mu.Lock()
	if len(a.Breakpoints) == 0 {
		delete(d.breakpoints, a.Source.Path)
	} else {
		d.breakpoints[a.Source.Path] = slices.Clone(req.Arguments)
	}
	run := d.run
	d.mu.Unlock()
	if run != nil {
		m, err := run.call(ctx, req.Command, req.Arguments)
		return nil, m, err
	}
	// No program yet: delve verifies them when a run starts. Each names
	// its source, as delve's do (JupyterLab's breakpoints panel shows it).
	type source struct {
		Path string `json:"path"`
	}
	type bp struct {
		Verified bool   `json:"verified"`
		Line     int    `json:"line"`
		Source   source `json:"source"`
	}
	out := make([]bp, len(a.Breakpoints))
	for i, b := range a.Breakpoints {
		out[i] = bp{Verified: true, Line: b.Line, Source: source{a.Source.Path}}
	}
	return map[string]any{"breakpoints": out}, nil, nil
}

// inspectVariables answers Jupyter's variable explorer: the locals of the
// innermost frame of a stopped goroutine, or nothing while none is stopped.
func (d *Debugger) inspectVariables(ctx context.Context) (any, *Message, error) {
	empty := map[string]any{"variables": []any{}}
	d.mu.Lock()
	a := d.run
	threads := slices.Sorted(maps.Keys(d.stopped))
	d.mu.Unlock()
	if a == nil || len(threads) == 0 {
		return empty, nil, nil
	}
	var st struct {
		StackFrames []struct {
			ID int `json:"id"`
		} `json:"stackFrames"`
	}
	if err := callInto(ctx, a, "stackTrace", map[string]any{"threadId": threads[0], "levels": 1}, &st); err != nil || len(st.StackFrames) == 0 {
		return empty, nil, err
	}
	var sc struct {
		Scopes []struct {
			VariablesReference int `json:"variablesReference"`
		} `json:"scopes"`
	}
	if err := callInto(ctx, a, "scopes", map[string]any{"frameId": st.StackFrames[0].ID}, &sc); err != nil || len(sc.Scopes) == 0 {
		return empty, nil, err
	}
	var vars json.RawMessage
	m, err := a.succeed(ctx, "variables", map[string]any{"variablesReference": sc.Scopes[0].VariablesReference})
	if err != nil {
		return nil, nil, err
	}
	vars = m.Body
	return vars, nil, nil
}

// callInto calls delve and decodes the response's body into v.
func callInto(ctx context.Context, a *adapter, command string, args, v any) error {
	m, err := a.succeed(ctx, command, args)
	if err != nil {
		return err
	}
	return json.Unmarshal(m.Body, v)
}

// disconnect ends the frontend's debug session: breakpoints are dropped
// and a running program continues at full speed, no longer stopping.
func (d *Debugger) disconnect(ctx context.Context) (any, *Message, error) {
	d.mu.Lock()
	d.started = false
	paths := slices.Collect(maps.Keys(d.breakpoints))
	clear(d.breakpoints)
	clear(d.stopped)
	a := d.run
	d.mu.Unlock()
	if a != nil {
		for _, p := range paths {
			a.call(ctx, "setBreakpoints", map[string]any{"source": map[string]string{"path": p}, "breakpoints": []any{}})
		}
		a.call(ctx, "continue", map[string]any{"threadId": 1})
	}
	return nil, nil, nil
}

// reply builds the content of a debug_reply to req.
func (d *Debugger) reply(req *Message, body any, err error) []byte {
	m := &Message{Type: "response", RequestSeq: req.Seq, Command: req.Command, Success: err == nil}
	if err != nil {
		m.Message = err.Error()
	} else if body != nil {
		b, jerr := json.Marshal(body)
		if jerr != nil {
			m.Success, m.Message = false, "encoding the reply: "+jerr.Error()
		} else {
			m.Body = b
		}
	}
	return d.stamp(m)
}

// forwarded turns delve's response into the reply to the frontend's req.
func (d *Debugger) forwarded(req *Message, resp *Message) []byte {
	m := *resp
	m.RequestSeq = req.Seq
	m.Command = req.Command
	if m.Command == "stackTrace" && m.Success && d.cfg.SourceName != nil {
		m.Body = d.nameSources(m.Body)
	}
	return d.stamp(&m)
}

// nameSources gives the stack frames of a stackTrace response's body the
// names of their cells (Config.SourceName); the body is kept as it is
// where it cannot be read.
func (d *Debugger) nameSources(body json.RawMessage) json.RawMessage {
	var b map[string]any
	if json.Unmarshal(body, &b) != nil {
		return body
	}
	frames, _ := b["stackFrames"].([]any)
	for _, f := range frames {
		f, _ := f.(map[string]any)
		src, _ := f["source"].(map[string]any)
		path, _ := src["path"].(string)
		if path == "" {
			continue
		}
		if name, ok := d.cfg.SourceName(path); ok {
			src["name"] = name
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		return body
	}
	return out
}

// stamp gives m the next seq towards the frontend and encodes it.
func (d *Debugger) stamp(m *Message) []byte {
	d.mu.Lock()
	d.seq++
	m.Seq = d.seq
	d.mu.Unlock()
	b, _ := json.Marshal(m)
	return b
}

// Program is a compiled cell program to run under delve.
type Program struct {
	// Path is the binary, built with -gcflags=all=-N -l and //line
	// directives naming CellPath files.
	Path string
	// Args, Env (NAME=value, added to the kernel's) and Dir are its
	// arguments, environment and working directory.
	Args []string
	Env  []string
	Dir  string
	// Stdout and Stderr receive the program's output.
	Stdout, Stderr io.Writer
}

// Run runs p under delve with the frontend's breakpoints, sends the
// stops and other events to Config.Events, and returns the program's exit
// code when it ends. Cancelling ctx (interrupt, restart, shutdown) kills
// delve and the program, also while stopped at a breakpoint; Run returns
// only once both are gone. One program runs at a time.
func (d *Debugger) Run(ctx context.Context, p Program) (int, error) {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return -1, errors.New("debugger: a cell is already running under delve")
	}
	d.running = true
	d.exitCode = -1 // until delve reports the exit
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()

	terminated := make(chan struct{})
	var once sync.Once
	a, err := startAdapter(ctx, d.cfg.Dlv, func(m *Message) {
		if d.event(m, p.Stdout, p.Stderr) {
			once.Do(func() { close(terminated) })
		}
	})
	if err != nil {
		return -1, err
	}
	defer func() {
		d.mu.Lock()
		d.run = nil
		stopped := slices.Sorted(maps.Keys(d.stopped))
		clear(d.stopped)
		d.mu.Unlock()
		a.close()
		if len(stopped) > 0 {
			// The frontend still shows the run stopped: tell it that
			// it is not, as the run ended (an interrupt, say).
			body, _ := json.Marshal(map[string]any{"threadId": stopped[0], "allThreadsContinued": true})
			d.cfg.Events(d.stamp(&Message{Type: "event", Event: "continued", Body: body}))
		}
	}()

	if _, err := a.succeed(ctx, "initialize", map[string]any{
		"clientID": "gokernel", "adapterID": "go", "linesStartAt1": true, "columnsStartAt1": true,
		"pathFormat": "path", "supportsVariableType": true,
	}); err != nil {
		return -1, err
	}
	env := map[string]string{}
	for _, kv := range p.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	// The threads list shows the program's goroutines, not the runtime's.
	launch := map[string]any{"mode": "exec", "program": p.Path, "args": p.Args, "env": env,
		"outputMode": "remote", "stopOnEntry": false, "hideSystemGoroutines": true}
	if d.cfg.GoroutineLabel != "" {
		launch["showPprofLabels"] = []string{d.cfg.GoroutineLabel}
	}
	if p.Dir != "" {
		launch["cwd"] = p.Dir
	}
	if _, err := a.succeed(ctx, "launch", launch); err != nil {
		return -1, fmt.Errorf("%w: %s", err, strings.TrimSpace(a.stderr.String()))
	}
	if err := d.attachRun(ctx, a); err != nil {
		return -1, err
	}
	if _, err := a.succeed(ctx, "configurationDone", nil); err != nil {
		return -1, err
	}
	select {
	case <-terminated:
	case <-a.readDone:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	d.mu.Lock()
	code := d.exitCode
	d.mu.Unlock()
	return code, nil
}

// attachRun makes a the running program's delve and gives it the kept
// breakpoints; setBreakpoints requests wait meanwhile, so none is lost or
// overwritten by an older one.
func (d *Debugger) attachRun(ctx context.Context, a *adapter) error {
	d.bpMu.Lock()
	defer d.bpMu.Unlock()
	d.mu.Lock()
	bps := slices.Collect(maps.Values(d.breakpoints))
	d.run = a
	d.mu.Unlock()
	for _, args := range bps {
		if _, err := a.succeed(ctx, "setBreakpoints", args); err != nil {
			return err
		}
	}
	return nil
}

// event handles one event of delve's; it reports whether the session
// ended. Program output goes to stdout and stderr; stops and the like go to
// the frontend; delve's own notices and lifecycle events stay here.
func (d *Debugger) event(m *Message, stdout, stderr io.Writer) (ended bool) {
	switch m.Event {
	case "output":
		var b struct {
			Category string `json:"category"`
			Output   string `json:"output"`
		}
		json.Unmarshal(m.Body, &b)
		switch b.Category {
		case "stdout":
			if stdout != nil {
				io.WriteString(stdout, b.Output)
			}
		case "stderr":
			if stderr != nil {
				io.WriteString(stderr, b.Output)
			}
		}
		return false
	case "exited":
		var b struct {
			ExitCode int `json:"exitCode"`
		}
		json.Unmarshal(m.Body, &b)
		d.mu.Lock()
		d.exitCode = b.ExitCode
		d.mu.Unlock()
		return false
	case "terminated":
		return true
	case "initialized", "process":
		return false
	case "stopped":
		var b struct {
			ThreadID          int  `json:"threadId"`
			AllThreadsStopped bool `json:"allThreadsStopped"`
		}
		json.Unmarshal(m.Body, &b)
		d.mu.Lock()
		d.stopped[b.ThreadID] = true
		d.mu.Unlock()
	case "continued":
		d.mu.Lock()
		clear(d.stopped)
		d.mu.Unlock()
	}
	d.cfg.Events(d.stamp(m))
	return false
}
