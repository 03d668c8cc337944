package editor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// maxFrame bounds the body of one LSP message read from the server.
const maxFrame = 64 << 20

// writeFrame writes body as one LSP message: a Content-Length header, a
// blank line, and the JSON body.
func writeFrame(w io.Writer, body []byte) error {
	if _, err := fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// readFrame reads one LSP message and returns its body. Headers other than
// Content-Length (such as Content-Type) are skipped.
func readFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && length < 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("read an LSP header: %w", noEOF(err))
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("malformed LSP header %q", line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("malformed LSP Content-Length %q", value)
			}
			length = n
		}
	}
	if length < 0 {
		return nil, errors.New("LSP message without a Content-Length header")
	}
	if length > maxFrame {
		return nil, fmt.Errorf("LSP message of %d bytes is over the limit of %d", length, maxFrame)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read an LSP body of %d bytes: %w", length, noEOF(err))
	}
	return body, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// message is a JSON-RPC 2.0 message: a request (ID and Method), a
// notification (Method only) or a response (ID, and Result or Error).
type message struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id,omitempty"`
	Method  string           `json:"method,omitempty"`
	Params  any              `json:"params,omitempty"`
	Result  json.RawMessage  `json:"result,omitempty"`
	Error   *rpcError        `json:"error,omitempty"`
}

// inbound is a message as read, with params kept raw.
type inbound struct {
	ID     *json.RawMessage `json:"id"`
	Method string           `json:"method"`
	Params json.RawMessage  `json:"params"`
	Result json.RawMessage  `json:"result"`
	Error  *rpcError        `json:"error"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("LSP error %d: %s", e.Code, e.Message) }

// response is the answer to one call.
type response struct {
	result json.RawMessage
	err    error
}

// conn is the client side of a JSON-RPC connection to an LSP server. Its
// methods are safe for concurrent use; serve must run for calls to get
// answers.
type conn struct {
	w   io.Writer
	wmu sync.Mutex

	// answer returns the result of a request the server sends the
	// client (such as workspace/configuration).
	answer func(method string, params json.RawMessage) any

	mu      sync.Mutex
	next    int64
	pending map[int64]chan response
	closed  error // set when serve ends
}

func newConn(w io.Writer, answer func(string, json.RawMessage) any) *conn {
	return &conn{w: w, answer: answer, pending: map[int64]chan response{}}
}

func (c *conn) send(m *message) error {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return writeFrame(c.w, body)
}

// call sends a request and decodes its result into result (unless nil).
// When ctx ends first, the server is told to cancel the request.
func (c *conn) call(ctx context.Context, method string, params, result any) error {
	c.mu.Lock()
	if c.closed != nil {
		c.mu.Unlock()
		return c.closed
	}
	c.next++
	id := c.next
	ch := make(chan response, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	raw := json.RawMessage(strconv.FormatInt(id, 10))
	if err := c.send(&message{ID: &raw, Method: method, Params: params}); err != nil {
		return fmt.Errorf("send %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("%s: %w", method, r.err)
		}
		if result == nil || len(r.result) == 0 {
			return nil
		}
		if err := json.Unmarshal(r.result, result); err != nil {
			return fmt.Errorf("decode the %s result: %w", method, err)
		}
		return nil
	case <-ctx.Done():
		c.notify("$/cancelRequest", map[string]any{"id": id})
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// notify sends a notification.
func (c *conn) notify(method string, params any) error {
	return c.send(&message{Method: method, Params: params})
}

// serve reads messages from r until it fails, delivering responses to
// their calls and answering the server's requests. It returns the read
// error; pending and later calls fail with it.
func (c *conn) serve(r io.Reader) error {
	br := bufio.NewReader(r)
	var err error
	for {
		var body []byte
		body, err = readFrame(br)
		if err != nil {
			break
		}
		var m inbound
		if jerr := json.Unmarshal(body, &m); jerr != nil {
			continue // not JSON-RPC; nothing can answer it
		}
		switch {
		case m.ID != nil && m.Method != "":
			c.send(&message{ID: m.ID, Result: mustJSON(c.answer(m.Method, m.Params))})
		case m.ID != nil:
			id, perr := strconv.ParseInt(string(*m.ID), 10, 64)
			if perr != nil {
				continue
			}
			c.mu.Lock()
			ch := c.pending[id]
			c.mu.Unlock()
			if ch != nil {
				resp := response{result: m.Result}
				if m.Error != nil {
					resp.err = m.Error
				}
				select {
				case ch <- resp:
				default: // a duplicate answer; the call has one already
				}
			}
		}
	}
	if err == io.EOF {
		err = errors.New("the language server closed its output")
	}
	c.mu.Lock()
	c.closed = err
	for id, ch := range c.pending {
		select {
		case ch <- response{err: err}:
		default:
		}
		delete(c.pending, id)
	}
	c.mu.Unlock()
	return err
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil || len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}
