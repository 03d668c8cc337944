package client

import (
	"context"
	"errors"
	"fmt"

	"asyncgo/kernel/jupyter"
)

// ExecuteOptions are the fields of an execute_request, plus how the
// client answers input requests and reports outputs. Its zero value does
// not store history; NewExecuteOptions returns the defaults a notebook
// uses.
type ExecuteOptions struct {
	// Silent asks the kernel not to broadcast outputs or count the run.
	Silent bool
	// StoreHistory asks the kernel to record the code in its history.
	StoreHistory bool
	// AllowStdin tells the kernel it may ask for input. It is also
	// implied by a non-nil Input; setting it without Input is an error,
	// since nobody could answer.
	AllowStdin bool
	// Input answers the kernel's input_requests: it receives the prompt
	// and whether the input is a password, and returns the line to send.
	// If it fails, an empty line is sent and Execute returns the error
	// after the execution completes.
	Input func(prompt string, password bool) (string, error)
	// StopOnError asks the kernel to abort queued executions after an
	// error.
	StopOnError bool
	// UserExpressions are evaluated after the code; the results are in
	// the reply's user_expressions.
	UserExpressions map[string]string
	// OnOutput, if set, is called with each output message (see
	// Execution.Outputs) as it arrives, on the goroutine that called
	// Execute and in order.
	OnOutput func(*jupyter.Message)
}

// NewExecuteOptions returns options with StoreHistory and StopOnError set,
// as JupyterLab sends them for a cell.
func NewExecuteOptions() ExecuteOptions {
	return ExecuteOptions{StoreHistory: true, StopOnError: true}
}

// outputTypes are the iopub message types that are outputs of a cell.
var outputTypes = map[string]bool{
	jupyter.Stream: true, jupyter.DisplayData: true, jupyter.UpdateDisplayData: true,
	jupyter.ExecuteResult: true, jupyter.Error: true, jupyter.ClearOutput: true,
}

// Execution is everything the kernel sent for one execute_request.
type Execution struct {
	// Request is the execute_request that was sent.
	Request *jupyter.Message
	// Reply is the execute_reply; the fields below are decoded from it.
	Reply          *jupyter.Message
	Status         string // "ok", "error" or "aborted"
	ExecutionCount int
	EName, EValue  string   // set when Status is "error"
	Traceback      []string // set when Status is "error"
	// ExecuteInput is the execute_input broadcast, if any.
	ExecuteInput *jupyter.Message
	// Outputs are the stream, display_data, update_display_data,
	// execute_result, error and clear_output messages, in order.
	Outputs []*jupyter.Message
	// IOPub is every iopub message whose parent is Request, in order,
	// including status and execute_input.
	IOPub []*jupyter.Message
	// InputRequests are the input_requests the kernel sent.
	InputRequests []*jupyter.Message
}

// Err returns nil if the execution succeeded, or an error with the
// exception name and value otherwise.
func (e *Execution) Err() error {
	switch e.Status {
	case "ok":
		return nil
	case "error":
		return fmt.Errorf("%s: %s", e.EName, e.EValue)
	default:
		return fmt.Errorf("execution %s", e.Status)
	}
}

// Execute runs code and waits until the kernel has both replied and
// published status idle for it, so every output has been collected.
// If ctx ends first, Execute returns the partial Execution and the
// context's error. An execution that fails in the kernel is not an error
// of Execute; check Execution.Err.
func (c *Client) Execute(ctx context.Context, code string, opts ExecuteOptions) (*Execution, error) {
	if opts.AllowStdin && opts.Input == nil {
		return nil, errors.New("client: ExecuteOptions.AllowStdin needs an Input function to answer the kernel's input requests")
	}
	userExpr := opts.UserExpressions
	if userExpr == nil {
		userExpr = map[string]string{}
	}
	req, err := c.newRequest(jupyter.ExecuteRequest, nil, map[string]any{
		"code":             code,
		"silent":           opts.Silent,
		"store_history":    opts.StoreHistory,
		"user_expressions": userExpr,
		"allow_stdin":      opts.Input != nil,
		"stop_on_error":    opts.StopOnError,
	})
	if err != nil {
		return nil, err
	}
	box := c.watch(req.Header.MsgID)
	defer c.unwatch(req.Header.MsgID)
	if err := c.send(ctx, c.shell, req); err != nil {
		return nil, err
	}
	e := &Execution{Request: req}
	var inputErr error
	idle := false
	for e.Reply == nil || !idle {
		r, err := box.next(ctx, c.ctx.Done())
		if err != nil {
			return e, c.waitErr(ctx, jupyter.ExecuteRequest, err)
		}
		m := r.msg
		switch r.channel {
		case Shell:
			if m.Header.MsgType == jupyter.ExecuteReply {
				if err := e.setReply(m); err != nil {
					return e, err
				}
			}
		case "stdin":
			if m.Header.MsgType != jupyter.InputRequest {
				continue
			}
			e.InputRequests = append(e.InputRequests, m)
			if err := c.answer(m, opts.Input); err != nil && inputErr == nil {
				inputErr = err
			}
		case "iopub":
			e.IOPub = append(e.IOPub, m)
			switch t := m.Header.MsgType; {
			case t == jupyter.Status:
				var s struct {
					State string `json:"execution_state"`
				}
				if m.Decode(&s) == nil && s.State == "idle" {
					idle = true
				}
			case t == jupyter.ExecuteInput:
				e.ExecuteInput = m
			case outputTypes[t]:
				e.Outputs = append(e.Outputs, m)
				if opts.OnOutput != nil {
					opts.OnOutput(m)
				}
			}
		}
	}
	return e, inputErr
}

func (e *Execution) setReply(m *jupyter.Message) error {
	var r struct {
		Status         string   `json:"status"`
		ExecutionCount int      `json:"execution_count"`
		EName          string   `json:"ename"`
		EValue         string   `json:"evalue"`
		Traceback      []string `json:"traceback"`
	}
	if err := m.Decode(&r); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	e.Reply = m
	e.Status, e.ExecutionCount, e.EName, e.EValue, e.Traceback = r.Status, r.ExecutionCount, r.EName, r.EValue, r.Traceback
	return nil
}

// answer replies to an input_request on stdin.
func (c *Client) answer(req *jupyter.Message, input func(string, bool) (string, error)) error {
	var r struct {
		Prompt   string `json:"prompt"`
		Password bool   `json:"password"`
	}
	if err := req.Decode(&r); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	var value string
	var inputErr error
	if input == nil {
		inputErr = errors.New("client: the kernel asked for input but ExecuteOptions.Input is nil")
	} else if value, inputErr = input(r.Prompt, r.Password); inputErr != nil {
		value = ""
		inputErr = fmt.Errorf("client: answering input prompt %q: %w", r.Prompt, inputErr)
	}
	reply, err := c.newRequest(jupyter.InputReply, req, map[string]string{"value": value})
	if err != nil {
		return err
	}
	reply.Identities = nil
	if err := c.send(context.Background(), c.stdin, reply); err != nil {
		return err
	}
	return inputErr
}
