package debugger

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// Message is one Debug Adapter Protocol message: a request, a response or
// an event. Jupyter's debug_request, debug_reply and debug_event contents
// are such messages.
type Message struct {
	// Seq numbers the messages of one sender.
	Seq int `json:"seq"`
	// Type is "request", "response" or "event".
	Type string `json:"type"`
	// Command names the request a request or response is about.
	Command string `json:"command,omitempty"`
	// Arguments are a request's arguments.
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// RequestSeq is, in a response, the Seq of its request.
	RequestSeq int `json:"request_seq,omitempty"`
	// Success reports, in a response, whether the request succeeded.
	Success bool `json:"success"`
	// Message is, in a failed response, what went wrong.
	Message string `json:"message,omitempty"`
	// Event names an event.
	Event string `json:"event,omitempty"`
	// Body is a response's or an event's body.
	Body json.RawMessage `json:"body,omitempty"`
}

// MarshalJSON writes m with only the fields its type has: "success" and
// "request_seq" (also when 0, as JupyterLab's first request is) only in
// responses.
func (m *Message) MarshalJSON() ([]byte, error) {
	type wire struct {
		Seq        int             `json:"seq"`
		Type       string          `json:"type"`
		Command    string          `json:"command,omitempty"`
		Arguments  json.RawMessage `json:"arguments,omitempty"`
		RequestSeq *int            `json:"request_seq,omitempty"`
		Success    *bool           `json:"success,omitempty"`
		Message    string          `json:"message,omitempty"`
		Event      string          `json:"event,omitempty"`
		Body       json.RawMessage `json:"body,omitempty"`
	}
	w := wire{Seq: m.Seq, Type: m.Type, Command: m.Command, Arguments: m.Arguments,
		Message: m.Message, Event: m.Event, Body: m.Body}
	if m.Type == "response" {
		w.Success = &m.Success
		w.RequestSeq = &m.RequestSeq
	}
	return json.Marshal(w)
}

// maxMessage bounds the size of a message the codec accepts, so a broken
// peer cannot make the kernel allocate without limit.
const maxMessage = 64 << 20

// ReadMessage reads one message framed by a Content-Length header, as DAP
// sends them.
func ReadMessage(r *bufio.Reader) (*Message, error) {
	h, err := textproto.NewReader(r).ReadMIMEHeader()
	if err != nil {
		if errors.Is(err, io.EOF) && len(h) == 0 {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading a DAP header: %w", err)
	}
	v := h.Get("Content-Length")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > maxMessage {
		return nil, fmt.Errorf("reading a DAP message: bad Content-Length %q", v)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading a DAP message body of %d bytes: %w", n, err)
	}
	m := new(Message)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("decoding a DAP message: %w", err)
	}
	return m, nil
}

// WriteMessage writes m framed by a Content-Length header, in one Write.
func WriteMessage(w io.Writer, m *Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding a DAP message: %w", err)
	}
	frame := make([]byte, 0, len(b)+32)
	frame = append(frame, "Content-Length: "...)
	frame = strconv.AppendInt(frame, int64(len(b)), 10)
	frame = append(frame, "\r\n\r\n"...)
	frame = append(frame, b...)
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("writing a DAP message: %w", err)
	}
	return nil
}
