package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/execution"
	"asyncgo/kernel/jupyter"
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
	var name string
	store := !req.Silent && (req.StoreHistory == nil || *req.StoreHistory)
	if store {
		k.count++
		k.history = append(k.history, HistoryEntry{Line: k.count, Input: req.Code})
		name = fmt.Sprintf("In[%d]", k.count)
	} else {
		k.silent++
		name = fmt.Sprintf("In[silent %d]", k.silent)
	}
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
	outcome := k.exec.Run(cellCtx, execution.Cell{Code: req.Code, Name: name, Silent: req.Silent, AllowInput: req.AllowStdin}, out)
	out.close()
	engine, failure := outcome.Engine, outcome.Failure

	metadata := map[string]any{"engine": engine, "started": started.UTC().Format(jupyter.DateLayout), "duration_ms": float64(time.Since(started).Microseconds()) / 1000}
	if failure == nil {
		k.outputsFirst()
		k.replyWithMetadata(r, m, "execute_reply", map[string]any{"status": "ok", "execution_count": k.count, "user_expressions": map[string]any{}, "payload": []any{}}, metadata)
		return
	}
	if !req.Silent {
		k.publish(m, "error", failure)
	}
	k.outputsFirst()
	k.replyWithMetadata(r, m, "execute_reply", map[string]any{
		"status": "error", "execution_count": k.count,
		"ename": failure.Name, "evalue": failure.Value, "traceback": failure.Traceback,
		"user_expressions": map[string]any{}, "payload": []any{},
	}, metadata)
	if req.StopOnError == nil || *req.StopOnError {
		k.abortQueued(r)
	}
}

// outputsWait bounds how long a reply waits for the IOPub messages before
// it: long enough for a loaded machine, short enough that a client that
// does not read IOPub does not hold up the shell.
const outputsWait = time.Second

// outputsFirst waits until the cell's IOPub messages (execute_input, its
// outputs, its error) have been written, at most outputsWait, so that the
// execute_reply sent next on the shell socket does not overtake them: a
// client that has the reply finds the outputs there too, and the idle
// status follows at once (jupyter_kernel_test's execute helper allows
// 0.1 s between them).
func (k *Kernel) outputsFirst() {
	ctx, cancel := context.WithTimeout(context.Background(), outputsWait)
	defer cancel()
	if err := k.sock.IOPub().Flush(ctx); err != nil {
		k.log.Debug("the reply goes before some outputs: IOPub is slow", "err", err)
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
