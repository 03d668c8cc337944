package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/cell"
	"asyncgo/kernel/channel"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/typecheck"
)

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      bool              `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

// execute runs one execute_request: execute_input, the cell's outputs, at
// most one error output, and the execute_reply.
func (k *Kernel) execute(ctx context.Context, r *channel.Router, m *jupyter.Message) {
	var req executeRequest
	if err := m.Decode(&req); err != nil {
		k.reply(r, m, "execute_reply", map[string]any{"status": "error", "ename": "BadRequest", "evalue": err.Error(), "traceback": []string{}, "execution_count": k.count})
		return
	}
	store := !req.Silent && (req.StoreHistory == nil || *req.StoreHistory)
	if store {
		k.count++
		k.history = append(k.history, HistoryEntry{Line: k.count, Input: req.Code})
		k.names.add(req.Code, fmt.Sprintf("In[%d]", k.count))
	} else {
		k.silent++
		k.names.add(req.Code, fmt.Sprintf("In[silent %d]", k.silent))
	}
	name := cellFileName(req.Code)
	if !req.Silent {
		k.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": k.count})
	}

	cellCtx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.cancel = cancel
	k.running = true
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.cancel = nil
		k.running = false
		k.mu.Unlock()
		cancel()
	}()

	out := newOutput(k, m, req.Silent, k.cfg.OutputLimit, k.cfg.FlushInterval)
	started := time.Now()
	engine, failure := k.runCell(cellCtx, r, m, &req, name, out)
	out.close()

	metadata := map[string]any{"engine": engine, "started": started.UTC().Format(jupyter.DateLayout), "duration_ms": float64(time.Since(started).Microseconds()) / 1000}
	if failure == nil {
		k.replyWithMetadata(r, m, "execute_reply", map[string]any{"status": "ok", "execution_count": k.count, "user_expressions": map[string]any{}, "payload": []any{}}, metadata)
		return
	}
	failure = k.names.rename(failure)
	if !req.Silent {
		k.publish(m, "error", failure)
	}
	k.replyWithMetadata(r, m, "execute_reply", map[string]any{
		"status": "error", "execution_count": k.count,
		"ename": failure.Name, "evalue": failure.Value, "traceback": failure.Traceback,
		"user_expressions": map[string]any{}, "payload": []any{},
	}, metadata)
	if req.StopOnError == nil || *req.StopOnError {
		k.abortQueued(r)
	}
}

func (k *Kernel) replyWithMetadata(r *channel.Router, parent *jupyter.Message, msgType string, content any, metadata map[string]any) {
	msg, err := jupyter.NewMessage(k.session, "kernel", msgType, parent, content)
	if err != nil {
		k.log.Error("encode reply", "type", msgType, "err", err)
		return
	}
	msg.Metadata = metadata
	if err := r.Send(msg); err != nil {
		k.log.Warn("send reply", "type", msgType, "err", err)
	}
}

// abortQueued answers the execute requests already waiting on the shell
// socket with status "aborted", as a kernel does after a failed cell when
// stop_on_error is set; other waiting requests are served.
func (k *Kernel) abortQueued(r *channel.Router) {
	for {
		select {
		case m, ok := <-r.Messages():
			if !ok {
				return
			}
			if m.Header.MsgType != "execute_request" {
				k.handle(context.Background(), r, m)
				continue
			}
			k.publishStatus(m, "busy")
			k.reply(r, m, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.count})
			k.publishStatus(m, "idle")
		default:
			return
		}
	}
}

// runCell runs a cell's magics, shell lines and Go code. It returns the
// engine that ran the Go code ("" when there was none) and the failure to
// report, if any.
func (k *Kernel) runCell(ctx context.Context, r *channel.Router, m *jupyter.Message, req *executeRequest, name string, out *output) (string, *errorContent) {
	c, err := cell.Parse(req.Code)
	if err != nil {
		return "", syntaxFailure(err, name, req.Code)
	}
	for _, mg := range c.Magics {
		if mg.Name == "kernel" {
			out.stream("stdout", []byte(k.stateText()))
			continue
		}
		if mg.Name == "engine" {
			text, err := k.engineMagic(mg.Args)
			if err != nil {
				return "", &errorContent{Name: "MagicError", Value: err.Error(), Traceback: []string{red("MagicError") + ": " + err.Error()}}
			}
			out.stream("stdout", []byte(text))
			continue
		}
		text, err := k.cells.Apply(mg)
		if err != nil {
			return "", &errorContent{Name: "MagicError", Value: err.Error(), Traceback: []string{red("MagicError") + ": " + err.Error()}}
		}
		out.stream("stdout", []byte(text))
	}
	for _, line := range c.Shell {
		if f := k.runShell(ctx, line, out); f != nil {
			return "", f
		}
	}
	if !c.HasCode() {
		return "", nil
	}
	k.noticeNewerGo(out)
	prog, checked, err := k.generate(ctx, c, name)
	if err != nil {
		return "go", &errorContent{Name: "CellError", Value: err.Error(), Traceback: []string{red("CellError") + ": " + err.Error()}}
	}
	sources := k.sourcesWith(name, req.Code)
	opts := runner.RunOptions{
		Args:       prog.Args,
		Env:        append(prog.Env, WorkspaceEnv+"="+k.ws.Dir()),
		Grace:      k.cfg.Grace,
		Supervisor: k.cfg.Supervisor,
		Stdout:     func(b []byte) { out.stream("stdout", b) },
		Stderr:     func(b []byte) { out.stream("stderr", b) },
		Display:    func(f *frame.Message) { out.display(f) },
		BadFrame:   func(err error) { out.badFrame(err) },
		NoInput: func() {
			out.stream("stderr", []byte("gokernel: the program read standard input, but this frontend does not accept input (allow_stdin is false), so the read got end of file.\n"))
		},
	}
	if req.AllowStdin && !req.Silent {
		opts.Input = func(prompt string, password bool) (string, error) {
			out.flush()
			return k.askInput(ctx, m, prompt, password)
		}
	}
	engine, res, failure := k.runProgram(ctx, prog, checked, sources, opts, func() {
		k.cells.Commit(c, name)
		k.sources[name] = req.Code
	})
	if failure != nil {
		return engine, failure
	}
	out.flush()
	if res.ExitCode == 66 && out.sawRace() {
		msg := "the race detector found a data race (see its report above) and ended the program with exit status 66"
		return engine, &errorContent{Name: "DataRace", Value: msg, Traceback: []string{red("DataRace") + ": " + msg}}
	}
	return engine, runFailure(res)
}

// generate returns the program for a cell and, when it type-checked that
// program, the result, for the engine choice to use rather than check the
// program again. A last expression that is a call is displayed only when
// type checking shows it has exactly one result, so that fmt.Println's
// (n, err) is not shown after every cell.
func (k *Kernel) generate(ctx context.Context, c *cell.Cell, name string) (*cell.Program, *typecheck.Result, error) {
	prog, err := k.cells.Generate(c, name, cell.GenerateOptions{DisplayValue: true})
	if err != nil || c.Last == nil || !c.Last.IsCall {
		return prog, nil, err
	}
	if err := k.ws.Prepare(); err != nil {
		return nil, nil, err
	}
	res, err := k.checkerFor(prog).Check(ctx, prog.Source, prog.Imports)
	if err != nil {
		// Not knowing the result count is no reason to fail the cell: the
		// build reports real problems.
		k.log.Debug("type check for the last expression", "err", err)
		return prog, nil, nil
	}
	if n, ok := res.LastCallResults(); ok && n == 1 {
		// Another program: checked again if yaegi is considered.
		prog, err := k.cells.Generate(c, name, cell.GenerateOptions{DisplayValue: true, DisplayCall: true})
		return prog, nil, err
	}
	return prog, res, nil
}

// sourcesWith returns the cell sources that diagnostics may point into.
func (k *Kernel) sourcesWith(name, code string) map[string]string {
	s := make(map[string]string, len(k.sources)+1)
	for n, c := range k.sources {
		s[n] = c
	}
	s[name] = code
	return s
}

// runShell runs one ! line with sh in the kernel's directory.
func (k *Kernel) runShell(ctx context.Context, line string, out *output) *errorContent {
	// The workspace module (asyncgo, with the helpers) is where
	// `go doc asyncgo/helpers/timeline` works, wherever the notebook is.
	if err := k.ws.Prepare(); err != nil {
		return &errorContent{Name: "ShellError", Value: err.Error(), Traceback: []string{red("ShellError") + ": " + err.Error()}}
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = append(os.Environ(), append(k.cells.Env(), WorkspaceEnv+"="+k.ws.Dir())...)
	cmd.Stdout = writerFunc(func(b []byte) { out.stream("stdout", b) })
	cmd.Stderr = writerFunc(func(b []byte) { out.stream("stderr", b) })
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return interrupted("the shell command was interrupted")
	}
	msg := fmt.Sprintf("!%s: %v", line, err)
	return &errorContent{Name: "ShellError", Value: msg, Traceback: []string{red("ShellError") + ": " + msg}}
}

// WorkspaceEnv names the environment variable that holds the cell
// workspace's directory, for shell lines and cell programs: the Go module
// asyncgo, with the course's helper packages, in which cells are built.
const WorkspaceEnv = "GOKERNEL_WORKSPACE"

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// askInput sends an input_request on the stdin socket and waits for the
// matching input_reply.
func (k *Kernel) askInput(ctx context.Context, parent *jupyter.Message, prompt string, password bool) (string, error) {
	req, err := jupyter.NewMessage(k.session, "kernel", "input_request", parent, map[string]any{"prompt": prompt, "password": password})
	if err != nil {
		return "", err
	}
	if err := k.sock.Stdin().Send(req); err != nil {
		return "", fmt.Errorf("ask the frontend for input: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return "", errors.New("interrupted while waiting for input")
		case reply, ok := <-k.sock.Stdin().Messages():
			if !ok {
				return "", errors.New("the stdin socket closed")
			}
			if reply.Header.MsgType != "input_reply" {
				continue
			}
			var c struct {
				Value string `json:"value"`
			}
			if err := reply.Decode(&c); err != nil {
				return "", err
			}
			return c.Value, nil
		}
	}
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

func interrupted(what string) *errorContent {
	return &errorContent{Name: "Interrupted", Value: what, Traceback: []string{red("Interrupted") + ": " + what}}
}

func syntaxFailure(err error, name, code string) *errorContent {
	var se *cell.SyntaxError
	if errors.As(err, &se) {
		text := cell.FormatDiagnostics(se.In(name), map[string]string{name: code})
		return &errorContent{Name: "SyntaxError", Value: firstLine(text), Traceback: append([]string{red("SyntaxError")}, strings.Split(strings.TrimRight(text, "\n"), "\n")...)}
	}
	return &errorContent{Name: "SyntaxError", Value: err.Error(), Traceback: []string{red("SyntaxError") + ": " + err.Error()}}
}

// progressLine matches what the go command prints while it resolves
// modules, which is not part of an error.
var progressLine = regexp.MustCompile(`(?m)^go: (downloading|finding module for package|found|added|upgraded) .*\n?`)

// fetchFailure matches errors of fetching a module for an import.
var fetchFailure = regexp.MustCompile(`cannot find module providing package|reading https?://|dial tcp|no such host|GOPROXY|module lookup disabled`)

func compileFailure(be *runner.BuildError, sources map[string]string) *errorContent {
	output := progressLine.ReplaceAll(be.Output, nil)
	diags := cell.ParseBuildErrors(output, sources)
	if len(diags) == 0 {
		text := strings.TrimSpace(cleanBuildOutput(string(output)))
		return &errorContent{Name: "BuildError", Value: firstLine(text), Traceback: append([]string{red("BuildError")}, strings.Split(text, "\n")...)}
	}
	text := strings.TrimRight(cell.FormatDiagnostics(diags, sources), "\n")
	value := fmt.Sprintf("%d error", len(diags))
	if len(diags) > 1 {
		value += "s"
	}
	value += ": " + diags[0].Message
	tb := append([]string{red("CompileError") + ": " + value}, strings.Split(text, "\n")...)
	if fetchFailure.MatchString(text) {
		tb = append(tb, "", "Third-party packages are downloaded through the Go module proxy (go env GOPROXY) the first time a cell imports them: check the import path and the network; offline, only packages already in the module cache can be used.")
	}
	return &errorContent{Name: "CompileError", Value: value, Traceback: tb}
}

// cleanBuildOutput keeps the toolchain's words but drops lines that only
// name the generated package.
func cleanBuildOutput(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "# ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

var frameOffset = regexp.MustCompile(` \+0x[0-9a-f]+$`)

// runFailure turns how a program ended into the cell's error, or nil.
func runFailure(r runner.Result) *errorContent {
	switch {
	case r.OK():
		return nil
	case r.Err != nil:
		return &errorContent{Name: "RunError", Value: r.Err.Error(), Traceback: []string{red("RunError") + ": " + r.Err.Error()}}
	case r.Interrupted:
		return interrupted("the cell was interrupted")
	case r.Crash != nil:
		lines := strings.Split(r.Crash.Report, "\n")
		tb := make([]string, 0, len(lines))
		for i, l := range lines {
			if i == 0 {
				tb = append(tb, red(r.Crash.Kind)+strings.TrimPrefix(l, r.Crash.Kind))
				continue
			}
			tb = append(tb, frameOffset.ReplaceAllString(l, ""))
		}
		return &errorContent{Name: r.Crash.Kind, Value: r.Crash.Message, Traceback: tb}
	case r.Signal != "":
		msg := "the program was killed by a signal: " + r.Signal + r.Hint
		return &errorContent{Name: "Signal", Value: msg, Traceback: []string{red("Signal") + ": " + msg}}
	default:
		msg := fmt.Sprintf("the program exited with status %d", r.ExitCode)
		return &errorContent{Name: "ExitError", Value: msg, Traceback: []string{red("ExitError") + ": " + msg}}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
