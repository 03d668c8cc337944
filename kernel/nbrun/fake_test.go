package nbrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"asyncgo/kernel/nbrun"
	"asyncgo/kernel/notebook"
)

// fakeKernel runs a tiny script language instead of Go, one command per
// line of a cell:
//
//	out TEXT        writes TEXT and a newline to stdout
//	err TEXT        writes TEXT and a newline to stderr
//	show ID TEXT    display_data with text/plain TEXT and display id ID
//	update ID TEXT  update_display_data
//	result TEXT     execute_result with text/plain TEXT
//	raise NAME MSG  an error: the cell fails
//	abort           the reply's status is "aborted"
//	sleep           waits until interrupted
//	hang            ignores interrupts; waits until the context ends
//	die             the kernel is lost: Execute returns an error
type fakeKernel struct {
	f         *fakeKernels
	count     int
	interrupt chan struct{}
}

// fakeKernels starts fake kernels and records what happened to them.
type fakeKernels struct {
	mu                    sync.Mutex
	startErr              error
	dirs                  []string
	running, maxRunning   int
	executed, interrupted int
	closed                int
}

func (f *fakeKernels) Start(ctx context.Context, dir string) (nbrun.Kernel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.dirs = append(f.dirs, dir)
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	return &fakeKernel{f: f, interrupt: make(chan struct{}, 1)}, nil
}

func (k *fakeKernel) Interrupt(ctx context.Context) error {
	k.f.mu.Lock()
	k.f.interrupted++
	k.f.mu.Unlock()
	select {
	case k.interrupt <- struct{}{}:
	default:
	}
	return nil
}

func (k *fakeKernel) Close() error {
	k.f.mu.Lock()
	defer k.f.mu.Unlock()
	k.f.running--
	k.f.closed++
	return nil
}

func content(v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (k *fakeKernel) Execute(ctx context.Context, code string) (*nbrun.Execution, error) {
	k.f.mu.Lock()
	k.f.executed++
	k.f.mu.Unlock()
	k.count++
	ex := &nbrun.Execution{Status: "ok", ExecutionCount: k.count}
	add := func(typ string, c map[string]any) {
		ex.Messages = append(ex.Messages, notebook.Message{Type: typ, Content: content(c)})
	}
	add("status", map[string]any{"execution_state": "busy"})
	add("execute_input", map[string]any{"code": code, "execution_count": k.count})
	for _, line := range strings.Split(code, "\n") {
		cmd, arg, _ := strings.Cut(line, " ")
		id, text, _ := strings.Cut(arg, " ")
		switch cmd {
		case "out":
			add("stream", map[string]any{"name": "stdout", "text": arg + "\n"})
		case "err":
			add("stream", map[string]any{"name": "stderr", "text": arg + "\n"})
		case "show", "update":
			typ := map[string]string{"show": "display_data", "update": "update_display_data"}[cmd]
			add(typ, map[string]any{"data": map[string]any{"text/plain": text}, "metadata": map[string]any{}, "transient": map[string]any{"display_id": id}})
		case "result":
			add("execute_result", map[string]any{"data": map[string]any{"text/plain": arg}, "metadata": map[string]any{}, "execution_count": k.count})
		case "raise":
			add("error", map[string]any{"ename": id, "evalue": text, "traceback": []string{id + ": " + text, "goroutine 1 [running]:"}})
			ex.Status, ex.EName, ex.EValue = "error", id, text
		case "abort":
			ex.Status = "aborted"
		case "sleep":
			select {
			case <-k.interrupt:
				add("error", map[string]any{"ename": "Interrupted", "evalue": "interrupted", "traceback": []string{}})
				ex.Status, ex.EName, ex.EValue = "error", "Interrupted", "interrupted"
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case "hang":
			<-ctx.Done()
			return nil, fmt.Errorf("no reply: %w", ctx.Err())
		case "die":
			return nil, errors.New("kernel process exited")
		}
		if ex.Status != "ok" {
			break
		}
	}
	add("status", map[string]any{"execution_state": "idle"})
	return ex, nil
}
