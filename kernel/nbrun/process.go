package nbrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"asyncgo/kernel/client"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/notebook"
)

// How long a kernel process may take to start and to shut down.
const (
	startTimeout    = time.Minute
	shutdownTimeout = 5 * time.Second
)

// startAttempts is how many times a kernel is started, each time with new
// ports, when one of the ports chosen for it was taken before it could
// bind it: a port that was free when the connection file was written can
// be taken by another process in between, which happens on busy machines.
const startAttempts = 3

// errPortTaken marks a kernel that exited because a port of its
// connection file was in use.
var errPortTaken = errors.New("a port of the connection file was in use")

// StartProcess returns a StartFunc that runs each kernel as a child
// process, `binary kernel --connection-file FILE`, in the notebook's
// directory, and talks to it over ZeroMQ on 127.0.0.1. A kernel that
// cannot bind a port of its connection file is started again with new
// ports, up to three times in all.
func StartProcess(binary string) StartFunc {
	return func(ctx context.Context, dir string) (Kernel, error) {
		var err error
		for range startAttempts {
			var k *processKernel
			if k, err = startProcess(ctx, binary, dir); err == nil {
				return k, nil
			}
			if !errors.Is(err, errPortTaken) {
				break
			}
		}
		return nil, err
	}
}

// processKernel is a kernel running as a child process.
type processKernel struct {
	client  *client.Client
	cmd     *exec.Cmd
	tmp     string        // holds the connection file
	stderr  *tailBuffer   // the end of the kernel's standard error
	exited  chan struct{} // closed when the process has exited
	waitErr error         // the process's exit status, once exited
	once    sync.Once
}

func startProcess(ctx context.Context, binary, dir string) (_ *processKernel, err error) {
	tmp, err := os.MkdirTemp("", "gokernel-run-")
	if err != nil {
		return nil, fmt.Errorf("creating a directory for the connection file: %w", err)
	}
	info, err := jupyter.NewConnectionInfo("tcp")
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	connFile := filepath.Join(tmp, "connection.json")
	if err := info.WriteFile(connFile); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	k := &processKernel{tmp: tmp, stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	k.cmd = exec.Command(binary, "kernel", "--connection-file", connFile)
	k.cmd.Dir = dir
	k.cmd.Stderr = k.stderr
	if err := k.cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	// The process's waiter: it ends when the process exits, which Close
	// makes sure of.
	go func() {
		k.waitErr = k.cmd.Wait()
		close(k.exited)
	}()
	defer func() {
		if err != nil {
			k.Close()
		}
	}()

	readyCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // cancels the wait if the kernel dies; ends with startProcess
		select {
		case <-k.exited:
			cancel()
		case <-stop:
		}
	}()
	k.client, err = client.Dial(readyCtx, info, client.Options{})
	if err == nil {
		err = k.client.WaitReady(readyCtx)
	}
	if err != nil {
		return nil, k.explain(fmt.Errorf("kernel %s did not become ready: %w", binary, err))
	}
	return k, nil
}

// explain adds the kernel's exit status and the end of its standard error
// to err when the process has exited.
func (k *processKernel) explain(err error) error {
	select {
	case <-k.exited:
		msg := strings.TrimSpace(k.stderr.String())
		if msg == "" {
			msg = "(no output on stderr)"
		}
		if strings.Contains(msg, "address already in use") {
			err = fmt.Errorf("%w (%w)", err, errPortTaken)
		}
		return fmt.Errorf("%w; the kernel process exited (%v): %s", err, k.waitErr, msg)
	default:
		return err
	}
}

func (k *processKernel) Execute(ctx context.Context, code string) (*Execution, error) {
	ex, err := k.client.Execute(ctx, code, client.NewExecuteOptions())
	if err != nil {
		return nil, k.explain(err)
	}
	out := &Execution{Status: ex.Status, ExecutionCount: ex.ExecutionCount, EName: ex.EName, EValue: ex.EValue}
	for _, m := range ex.IOPub {
		out.Messages = append(out.Messages, notebook.Message{Type: m.Header.MsgType, Content: m.Content})
	}
	return out, nil
}

func (k *processKernel) Interrupt(ctx context.Context) error {
	return k.explain(k.client.Interrupt(ctx))
}

// Close asks the kernel to shut down, kills it if it has not exited
// within shutdownTimeout, and removes the connection file.
func (k *processKernel) Close() error {
	var err error
	k.once.Do(func() {
		if k.client != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			_, reqErr := k.client.Request(ctx, client.Control, "shutdown_request", map[string]any{"restart": false})
			cancel()
			if reqErr == nil {
				select {
				case <-k.exited:
				case <-time.After(shutdownTimeout):
				}
			}
			k.client.Close()
		}
		select {
		case <-k.exited:
		default:
			k.cmd.Process.Kill()
			<-k.exited
		}
		os.RemoveAll(k.tmp)
		var exitErr *exec.ExitError
		if k.waitErr != nil && !errors.As(k.waitErr, &exitErr) {
			err = k.waitErr
		}
	})
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
