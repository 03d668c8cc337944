package debugger

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"asyncgo/kernel/runner"
)

// FindDlv returns the path of delve's dlv command: the one on PATH, else
// the one "go install" put in the GOBIN or GOPATH/bin that goCmd (the go
// command cells build with; "go" when empty) reports.
func FindDlv(goCmd string) (string, error) {
	if p := runner.FindTool(goCmd, "dlv"); p != "" {
		return p, nil
	}
	return "", errors.New("delve (dlv) is not on PATH, in GOBIN or in GOPATH/bin: install it with " + InstallCommand)
}

// DlvVersion is the delve release the kernel is tested with: it builds
// with, and debugs programs of, Go 1.26 and 1.27.
const DlvVersion = "v1.27.2"

// InstallCommand installs the tested delve (run it with GOFLAGS empty, so
// flags meant for cell builds do not reach it).
const InstallCommand = "go install github.com/go-delve/delve/cmd/dlv@" + DlvVersion

// DlvRelease returns the module version of the dlv binary at path (such
// as "v1.27.2"), or "" when it cannot be read.
func DlvRelease(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return ""
	}
	return info.Main.Version
}

// InstallDlv installs the tested delve (DlvVersion) with goCmd ("go" when
// empty), writing the go command's output to out. It clears GOFLAGS, so
// flags meant for cell builds do not reach the install.
func InstallDlv(ctx context.Context, goCmd string, out io.Writer) error {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "install", "github.com/go-delve/delve/cmd/dlv@"+DlvVersion)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", InstallCommand, err)
	}
	return nil
}

// startTimeout bounds how long dlv may take to dial back to the kernel.
const startTimeout = 30 * time.Second

// adapter is one dlv dap process and the DAP connection to it. It owns the
// process: close ends it, and the debuggee it launched, for certain.
type adapter struct {
	cmd    *exec.Cmd
	conn   net.Conn
	stderr bytes.Buffer // dlv's own output, for error messages
	waited chan struct{}

	mu      sync.Mutex // guards the fields below and writes to conn
	seq     int
	pending map[int]chan *Message
	err     error // why the connection ended
	pid     int   // the debuggee's process id, once known

	closeOnce sync.Once
	readDone  chan struct{}
}

// startAdapter starts dlv dap, which dials back to a listener of ours, and
// reads its messages: responses go to their callers, events to onEvent
// (called from one goroutine, in order).
func startAdapter(ctx context.Context, dlv string, onEvent func(*Message)) (*adapter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for delve: %w", err)
	}
	defer ln.Close()
	a := &adapter{pending: map[int]chan *Message{}, waited: make(chan struct{}), readDone: make(chan struct{})}
	a.cmd = exec.Command(dlv, "dap", "--log-dest=2", "--client-addr="+ln.Addr().String())
	a.cmd.Stdout = &a.stderr
	a.cmd.Stderr = &a.stderr
	a.cmd.SysProcAttr = processAttr()
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", dlv, err)
	}
	go func() { a.cmd.Wait(); close(a.waited) }()

	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() { c, err := ln.Accept(); ch <- accepted{c, err} }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	// abandon closes a connection that arrives after the kernel gave up.
	abandon := func() {
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
	}
	select {
	case r := <-ch:
		if r.err != nil {
			a.kill()
			return nil, fmt.Errorf("waiting for delve to connect: %w", r.err)
		}
		a.conn = r.c
	case <-a.waited:
		abandon()
		close(a.readDone)
		return nil, fmt.Errorf("delve exited before connecting: %s", strings.TrimSpace(a.stderr.String()))
	case <-timer.C:
		abandon()
		a.kill()
		return nil, fmt.Errorf("delve did not connect within %v", startTimeout)
	case <-ctx.Done():
		abandon()
		a.kill()
		return nil, ctx.Err()
	}
	go a.read(onEvent)
	return a, nil
}

// read dispatches dlv's messages until the connection ends.
func (a *adapter) read(onEvent func(*Message)) {
	defer close(a.readDone)
	r := bufio.NewReader(a.conn)
	for {
		m, err := ReadMessage(r)
		if err != nil {
			a.fail(fmt.Errorf("delve's connection ended: %w", err))
			return
		}
		switch m.Type {
		case "response":
			a.mu.Lock()
			ch := a.pending[m.RequestSeq]
			delete(a.pending, m.RequestSeq)
			a.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		case "event":
			if m.Event == "process" {
				var b struct {
					SystemProcessID int `json:"systemProcessId"`
				}
				if json.Unmarshal(m.Body, &b) == nil && b.SystemProcessID > 0 {
					a.mu.Lock()
					a.pid = b.SystemProcessID
					a.mu.Unlock()
				}
			}
			onEvent(m)
		case "request":
			// Reverse requests (runInTerminal, startDebugging) are
			// not used: the kernel launches with outputMode remote.
			a.send(&Message{Type: "response", RequestSeq: m.Seq, Command: m.Command,
				Message: "gokernel does not support reverse request " + m.Command})
		}
	}
}

// fail records why the connection ended and fails the waiting calls.
func (a *adapter) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = err
	}
	for seq, ch := range a.pending {
		close(ch)
		delete(a.pending, seq)
	}
}

// send writes m with the adapter's next seq and returns that seq.
func (a *adapter) send(m *Message) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sendLocked(m)
}

func (a *adapter) sendLocked(m *Message) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	a.seq++
	m.Seq = a.seq
	if err := WriteMessage(a.conn, m); err != nil {
		a.err = err
		return 0, err
	}
	return m.Seq, nil
}

// call sends a request and waits for its response.
func (a *adapter) call(ctx context.Context, command string, args any) (*Message, error) {
	req := &Message{Type: "request", Command: command}
	switch v := args.(type) {
	case nil:
	case json.RawMessage:
		req.Arguments = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encoding %s arguments: %w", command, err)
		}
		req.Arguments = b
	}
	ch := make(chan *Message, 1)
	a.mu.Lock()
	seq, err := a.sendLocked(req)
	if err == nil {
		a.pending[seq] = ch
	}
	a.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("sending %s to delve: %w", command, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			a.mu.Lock()
			err := a.err
			a.mu.Unlock()
			return nil, fmt.Errorf("%s: %w", command, err)
		}
		return m, nil
	case <-ctx.Done():
		a.mu.Lock()
		delete(a.pending, seq)
		a.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", command, ctx.Err())
	}
}

// succeed is call for requests whose failure ends the run.
func (a *adapter) succeed(ctx context.Context, command string, args any) (*Message, error) {
	m, err := a.call(ctx, command, args)
	if err != nil {
		return nil, err
	}
	if !m.Success {
		return m, fmt.Errorf("delve refused %s: %s", command, m.Message)
	}
	return m, nil
}

// close ends the session: it asks dlv to terminate the debuggee, gives it a
// moment, then kills the debuggee, whatever else dlv started, and dlv.
func (a *adapter) close() {
	a.closeOnce.Do(func() {
		// dlv may exit on disconnect before its children do, and they
		// then belong to init: note them while dlv still has them.
		procs := descendants(a.cmd.Process.Pid)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		a.call(ctx, "disconnect", map[string]any{"terminateDebuggee": true})
		select {
		case <-a.waited:
		case <-ctx.Done():
		}
		a.kill(procs...)
		a.conn.Close()
		<-a.readDone
	})
}

// goneTimeout bounds how long kill waits for killed processes to end.
const goneTimeout = 5 * time.Second

// kill ends the debuggee (in a process group of its own, as delve starts
// it), every other descendant of dlv, the processes noted before (also,
// those still the same processes) and dlv's group, waits for dlv, and
// waits until the others have ended too.
func (a *adapter) kill(also ...proc) {
	a.mu.Lock()
	pid := a.pid
	a.mu.Unlock()
	if pid > 0 {
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	procs := append(also, descendants(a.cmd.Process.Pid)...)
	for _, p := range procs {
		if p.same() {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
	<-a.waited
	deadline := time.Now().Add(goneTimeout)
	for _, p := range procs {
		for p.running() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// proc is a process, known by its id and start time, so that a process
// that later gets the same id is not taken for it.
type proc struct {
	pid   int
	start string
}

// stat returns the fields of /proc/pid/stat after the command name: the
// state first, the start time 19th.
func stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// same reports whether p's id still names p.
func (p proc) same() bool {
	f := stat(p.pid)
	return len(f) > 19 && f[19] == p.start
}

// running reports whether p still exists and is not a zombie.
func (p proc) running() bool {
	f := stat(p.pid)
	return len(f) > 19 && f[19] == p.start && f[0] != "Z"
}

// descendants lists the processes below pid, read from /proc; empty where
// /proc is missing.
func descendants(pid int) []proc {
	var out []proc
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(p) + "/task/*/children")
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				c, err := strconv.Atoi(f)
				if err != nil {
					continue
				}
				if st := stat(c); len(st) > 19 {
					out = append(out, proc{c, st[19]})
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}
