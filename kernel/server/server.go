// Package server is gokernel's Jupyter kernel: it answers the Jupyter
// messaging protocol (version 5.4) on the sockets of a connection file.
//
// The server keeps the protocol: messages, sockets, replies, the order of
// IOPub messages, execution counts, history, interrupts (by cancelling the
// running cell's context) and aborting queued cells after an error. It
// hands each cell's code to an asyncgo/kernel/execution Executor, which
// runs it (magics, shell lines, the Go program on yaegi or the compiler)
// and sends its outputs back through the server's execution.Sink, which
// publishes them on IOPub. Jupyter's debug protocol (debug_request on
// the control socket, debug_event on IOPub) is answered by an
// asyncgo/kernel/debugger Debugger when delve is installed; the Executor
// runs cells under it while the frontend has breakpoints (see debug.go).
// Requests on the shell socket are served one at a time, in order; the
// control socket is served beside it, so an interrupt or a shutdown
// reaches a busy kernel.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/channel"
	"asyncgo/kernel/editor"
	"asyncgo/kernel/execution"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/runner"
)

// Config configures a Kernel.
type Config struct {
	// Connection says where to listen and how to sign messages.
	Connection jupyter.ConnectionInfo
	// Logger receives the kernel's own log; nil means discard.
	Logger *slog.Logger
	// Workspace configures where cells are built.
	Workspace runner.Options
	// Version is gokernel's version, reported in kernel_info.
	Version string
	// OutputLimit is how many bytes of output one cell may send before
	// the rest is discarded with a notice; 0 means DefaultOutputLimit.
	OutputLimit int
	// FlushInterval is how often a running cell's printed text is sent;
	// 0 means 50 milliseconds.
	FlushInterval time.Duration
	// Grace is how long an interrupted cell has before it is killed;
	// 0 means one second.
	Grace time.Duration
	// MaxMessage bounds one incoming message on the sockets; 0 means
	// channel.DefaultMaxMessage.
	MaxMessage int
	// MaxCell bounds the code of one execute_request; 0 means
	// DefaultMaxCell.
	MaxCell int
	// Supervisor is the binary that supervises each cell program (see
	// runner.RunOptions.Supervisor); gokernel passes itself.
	Supervisor string
}

// DefaultOutputLimit is the default per-cell output limit: 8 MiB.
const DefaultOutputLimit = 8 << 20

// Kernel serves one Jupyter kernel connection.
type Kernel struct {
	cfg     Config
	log     *slog.Logger
	session string            // this kernel's session id in message headers
	ws      *runner.Workspace // exec's, which the editor reads too
	sock    *channel.Sockets

	// exec runs the cells; used only by the shell goroutine.
	exec    *execution.Executor
	count   int // execution count
	silent  int // count of cells run without history
	history []HistoryEntry
	// editor answers complete and inspect requests, each on a goroutine
	// of editorWG.
	editor   *editor.Editor
	editorWG sync.WaitGroup
	// debug is the Jupyter debugger (see debug.go); the Executor runs
	// cells under it through cells.
	debug debugState

	mu      sync.Mutex
	cancel  context.CancelFunc // interrupts the running cell
	running bool

	stop     context.CancelFunc
	shutdown chan struct{}
	// background is the start of the work that makes later requests
	// fast (see startBackground).
	background sync.Once
}

// backgroundDelay is how long a kernel that was asked nothing waits
// before it starts its background work.
const backgroundDelay = 200 * time.Millisecond

// startBackground starts, once, the work that makes later requests fast:
// the processes the first cell runs in, and the editor's warm-up (gopls,
// the type checker's packages). It runs once the kernel has answered its
// first request (a client asks for kernel_info before anything else, and
// waits for it), before it handles any other first request, or after
// backgroundDelay: started with the kernel, that work would slow its
// first answer down.
// after says what it ran after, for the debug log.
func (k *Kernel) startBackground(after string) {
	k.background.Do(func() {
		k.log.Debug("starting the first cell's processes and the editor's warm-up", "after", after)
		k.exec.Prepare()
		k.editor.Warm()
	})
}

// New returns a kernel for cfg. It does not listen yet.
func New(cfg Config) (*Kernel, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OutputLimit <= 0 {
		cfg.OutputLimit = DefaultOutputLimit
	}
	if cfg.MaxCell <= 0 {
		cfg.MaxCell = DefaultMaxCell
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 50 * time.Millisecond
	}
	if cfg.Version == "" {
		cfg.Version = "devel"
	}
	k := &Kernel{
		cfg:      cfg,
		log:      cfg.Logger,
		session:  jupyter.NewID(),
		shutdown: make(chan struct{}),
	}
	// The debugger is set up once the workspace says which go builds
	// cells (dlv may be in its GOBIN); the Executor asks it only when
	// cells run.
	cells := &cellDebugger{}
	exec, err := execution.New(execution.Config{
		Workspace:  cfg.Workspace,
		Logger:     cfg.Logger,
		Version:    cfg.Version,
		Grace:      cfg.Grace,
		Supervisor: cfg.Supervisor,
		Status:     k.stateText,
		Debugger:   cells,
	})
	if err != nil {
		return nil, err
	}
	k.exec, k.ws = exec, exec.Workspace()
	// GOBIN and GOPATH, where dlv may be, are the same for every
	// toolchain: the kernel need not wait to learn which builds cells.
	k.newDebugger(k.ws.GoCommand())
	cells.d = k.debug.d
	k.editor = editor.New(editor.Config{Workspace: k.ws, Logger: cfg.Logger})
	return k, nil
}

// Serve listens on the connection's sockets and serves requests until a
// shutdown request, ctx is done, or a socket fails for good. It returns nil
// after a shutdown request.
func (k *Kernel) Serve(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	k.stop = stop
	sock, err := channel.Listen(ctx, k.cfg.Connection, channel.Options{Logger: k.log, MaxMessage: k.cfg.MaxMessage})
	if err != nil {
		return err
	}
	k.sock = sock
	defer sock.Close()
	// Closes the workspace, after the editor (gopls works in it) and
	// after the yaegi worker's background build, which writes there.
	defer k.exec.Close()
	defer k.closeDebugger()
	defer k.editor.Close()
	defer k.editorWG.Wait()
	defer k.Interrupt()
	// After the first answer; stopped, and waited for if it is starting,
	// before the deferred closes above.
	later := time.AfterFunc(backgroundDelay, func() { k.startBackground("no request for " + backgroundDelay.String()) })
	defer k.background.Do(func() {})
	defer later.Stop()

	k.publishStatus(nil, "starting")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); k.serve(ctx, sock.Shell()) }()
	go func() { defer wg.Done(); k.serve(ctx, sock.Control()) }()

	select {
	case <-k.shutdown:
		err = nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-sock.Done():
		err = fmt.Errorf("kernel sockets failed: %w", sock.Err())
	}
	stop()
	k.Interrupt()
	wg.Wait()
	return err
}

// Interrupt stops the running cell, if any: the same as an
// interrupt_request. The command calls it on SIGINT (interrupt_mode
// "signal").
func (k *Kernel) Interrupt() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cancel != nil {
		k.cancel()
	}
}

// serve answers the requests arriving on r, one at a time, until ctx ends
// or the socket closes.
func (k *Kernel) serve(ctx context.Context, r *channel.Router) {
	msgs := r.Messages()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			k.handle(ctx, r, m)
		}
	}
}

// handle answers one request, with status busy and idle around it.
func (k *Kernel) handle(ctx context.Context, r *channel.Router, m *jupyter.Message) {
	k.log.Debug("request", "type", m.Header.MsgType, "id", m.Header.MsgID)
	switch m.Header.MsgType {
	case "kernel_info_request":
		// After the answer a client waits for.
		defer k.startBackground("kernel_info_reply")
	case "interrupt_request", "shutdown_request":
	default:
		k.startBackground("a " + m.Header.MsgType)
	}
	switch m.Header.MsgType {
	case "interrupt_request":
		// Interrupts answer at once and do not report busy/idle: the
		// kernel is still busy with the interrupted cell.
		k.Interrupt()
		k.reply(r, m, "interrupt_reply", map[string]any{"status": "ok"})
		return
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		m.Decode(&c)
		k.publishStatus(m, "busy")
		k.Interrupt()
		k.reply(r, m, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
		k.publishStatus(m, "idle")
		select {
		case <-k.shutdown:
		default:
			close(k.shutdown)
		}
		return
	case "complete_request", "inspect_request":
		k.editorRequest(ctx, r, m)
		return
	}
	k.publishStatus(m, "busy")
	defer k.publishStatus(m, "idle")
	defer k.afterLargeMessage(m)
	if k.refuseLargeCell(r, m) {
		return
	}
	switch m.Header.MsgType {
	case "kernel_info_request":
		k.reply(r, m, "kernel_info_reply", k.kernelInfo())
	case "execute_request":
		k.execute(ctx, r, m)
	case "debug_request":
		k.debugRequest(ctx, r, m)
	case "is_complete_request":
		var c struct {
			Code string `json:"code"`
		}
		m.Decode(&c)
		status, indent := cell.IsComplete(c.Code)
		reply := map[string]any{"status": status}
		if status == "incomplete" {
			reply["indent"] = indent
		}
		k.reply(r, m, "is_complete_reply", reply)
	case "history_request":
		k.reply(r, m, "history_reply", k.historyReply(m))
	case "comm_info_request":
		k.reply(r, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		// No comm targets exist yet: close the comm, as a kernel does for
		// a target it does not know.
		var c struct {
			CommID     string `json:"comm_id"`
			TargetName string `json:"target_name"`
		}
		m.Decode(&c)
		k.log.Info("comm_open for an unknown target", "target", c.TargetName)
		k.publish(m, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
	case "comm_msg", "comm_close":
		// Nothing to do without comms.
	default:
		k.log.Warn("unknown message type; ignored", "type", m.Header.MsgType)
	}
}

func (k *Kernel) kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       jupyter.ProtocolVersion,
		"implementation":         "gokernel",
		"implementation_version": k.cfg.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            strings.TrimPrefix(k.ws.GoVersionNow(), "go"),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "script",
		},
		"banner": fmt.Sprintf("gokernel %s: Go cells, built with %s. Type %%help for how cells work.", k.cfg.Version, k.ws.GoVersionNow()),
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
		},
		"debugger": k.debug.d != nil,
	}
}

// ToolchainVersion returns the version of the go command at path (such as
// "go1.26.8"), from the VERSION file of its GOROOT, or by asking it.
func ToolchainVersion(goCmd string) string { return execution.ToolchainVersion(goCmd) }

func (k *Kernel) historyReply(m *jupyter.Message) map[string]any {
	var c struct {
		Access  string `json:"hist_access_type"`
		Session int    `json:"session"`
		Start   int    `json:"start"`
		Stop    int    `json:"stop"`
		N       int    `json:"n"`
		Pattern string `json:"pattern"`
		Unique  bool   `json:"unique"`
		Output  bool   `json:"output"`
	}
	if err := m.Decode(&c); err != nil {
		return map[string]any{"status": "error", "ename": "BadRequest", "evalue": err.Error(), "traceback": []string{}}
	}
	entries := History(k.history, c.Access, c.Session, c.Start, c.Stop, c.N, c.Pattern, c.Unique)
	out := make([][]any, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyItem(e, c.Output))
	}
	return map[string]any{"status": "ok", "history": out}
}

// reply sends a reply on the socket the request came from.
func (k *Kernel) reply(r *channel.Router, parent *jupyter.Message, msgType string, content any) {
	m, err := jupyter.NewMessage(k.session, "kernel", msgType, parent, content)
	if err != nil {
		k.log.Error("encode reply", "type", msgType, "err", err)
		return
	}
	if err := r.Send(m); err != nil {
		k.log.Warn("send reply", "type", msgType, "err", err)
	}
}

// publish sends a message on IOPub; it never blocks.
func (k *Kernel) publish(parent *jupyter.Message, msgType string, content any) {
	m, err := jupyter.NewMessage(k.session, "kernel", msgType, parent, content)
	if err != nil {
		k.log.Error("encode iopub message", "type", msgType, "err", err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	k.sock.IOPub().Publish(m)
}

func (k *Kernel) publishStatus(parent *jupyter.Message, state string) {
	k.publish(parent, "status", map[string]any{"execution_state": state})
}
