package frame

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Part is one piece of a program's output: exactly one field is set.
type Part struct {
	// Text is ordinary output, to be shown as it is.
	Text []byte
	// Msg is a valid message from a frame.
	Msg *Message
	// Err reports a frame with the right token that the kernel cannot use:
	// it is too long, its JSON is malformed, or its message is invalid.
	// The kernel shows it as an error in the cell.
	Err error
}

// A Splitter separates a program's standard output into text and messages.
// Feed it the output as it arrives, in chunks of any size, and call Flush at
// the end of the output. Each Part passed to emit belongs to the caller.
//
// The parts do not depend on how the output is chunked, except that text
// may arrive split into several consecutive Text parts: text is passed on
// as soon as it cannot be part of a frame, without waiting for a newline.
// Only a trailing piece that could still become a frame is held back.
//
// A byte 0x1E that does not start Prefix followed by the Splitter's token
// and a space is text, so a frame with another token (from a program this
// kernel did not start) is text too.
//
// A frame longer than the limit given to NewSplitter, counting every byte
// from 0x1E to the newline, gives one Part with Err as soon as it exceeds
// the limit; the rest of that frame, up to and including its newline, is
// discarded. It is not shown as text because it would mostly be base64 noise
// that the frontend struggles to render.
//
// A Splitter is not safe for concurrent use.
type Splitter struct {
	header   []byte // Prefix, token, space
	maxFrame int
	pending  []byte // a possible frame start, or a frame without its newline
	skipping bool   // discarding the rest of an over-long frame
}

// NewSplitter returns a Splitter for frames marked with token, which must
// be valid for CheckToken (NewSplitter panics otherwise: the kernel chose
// the token). A frame longer than maxFrame bytes is an error; maxFrame <= 0
// means DefaultMaxFrame.
func NewSplitter(token string, maxFrame int) *Splitter {
	if err := CheckToken(token); err != nil {
		panic(err)
	}
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Splitter{header: []byte(Prefix + token + " "), maxFrame: maxFrame}
}

// Feed splits the next chunk of output, calling emit for each complete part.
func (s *Splitter) Feed(p []byte, emit func(Part)) {
	for len(p) > 0 {
		switch {
		case s.skipping:
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				return
			}
			s.skipping = false
			p = p[i+1:]
		case len(s.pending) == 0:
			// Text: everything up to the next mark.
			i := bytes.IndexByte(p, Mark)
			if i < 0 {
				emitText(emit, p)
				return
			}
			if i > 0 {
				emitText(emit, p[:i])
			}
			s.pending = append(s.pending, Mark)
			p = p[i+1:]
		case len(s.pending) < len(s.header):
			// Matching the header byte by byte. The header holds no other
			// mark, so on a mismatch the pending bytes are text and the
			// mismatching byte is looked at again as text.
			n := min(len(s.header)-len(s.pending), len(p))
			want := s.header[len(s.pending) : len(s.pending)+n]
			k := commonPrefix(want, p[:n])
			s.pending = append(s.pending, p[:k]...)
			p = p[k:]
			if k < n {
				emitText(emit, s.pending)
				s.pending = s.pending[:0]
			}
		default:
			// Frame body: up to the newline.
			i := bytes.IndexByte(p, '\n')
			end := len(p)
			if i >= 0 {
				end = i + 1
			}
			if len(s.pending)+end > s.maxFrame {
				emit(Part{Err: fmt.Errorf("display frame: longer than the limit of %d bytes; show smaller content (for example, scale images down)", s.maxFrame)})
				s.pending = s.pending[:0]
				s.skipping = i < 0
				p = p[end:]
				continue
			}
			s.pending = append(s.pending, p[:end]...)
			p = p[end:]
			if i >= 0 {
				emit(s.decode(s.pending[len(s.header) : len(s.pending)-1]))
				s.pending = s.pending[:0]
			}
		}
	}
}

// Flush ends the output: an unfinished frame, or the start of one, is text.
// The Splitter can then be used for a new stream.
func (s *Splitter) Flush(emit func(Part)) {
	if len(s.pending) > 0 {
		emitText(emit, s.pending)
	}
	s.pending = s.pending[:0]
	s.skipping = false
}

// decode turns a frame body into a Part with a message or an error.
func (s *Splitter) decode(body []byte) Part {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	m := new(Message)
	if err := dec.Decode(m); err != nil {
		return Part{Err: fmt.Errorf("display frame: malformed JSON (is the kernel older or newer than asyncgo/helpers/display?): %w", err)}
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return Part{Err: fmt.Errorf("display frame: unexpected data after the JSON message: %.20q", rest)}
	}
	if err := m.Validate(); err != nil {
		return Part{Err: err}
	}
	return Part{Msg: m}
}

func emitText(emit func(Part), b []byte) {
	emit(Part{Text: bytes.Clone(b)})
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
