package channel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxMessage is the default bound on one incoming message (all its
// frames together): 256 MiB, far above any notebook cell or comm message.
const DefaultMaxMessage = 256 << 20

// ErrMessageTooLarge is wrapped by the error that drops a connection whose
// peer declares a frame, or sends a message, larger than the limit.
var ErrMessageTooLarge = errors.New("message larger than the kernel accepts")

// flagCommand marks a ZMTP command frame.
const flagCommand = 0x04

// readChunk is how much of a large frame is allocated before its bytes
// arrive: memory grows with the data received, never with the size a
// peer declares.
const readChunk = 1 << 20

// zmtpMessage is one message (or command) read from a connection.
type zmtpMessage struct {
	frames  [][]byte
	command bool
}

// readMessage reads one multipart ZMTP message from r. It refuses, before
// allocating, any frame that would take the message above max bytes.
func readMessage(r io.Reader, max int) (zmtpMessage, error) {
	var (
		m     zmtpMessage
		hdr   [9]byte
		total uint64
	)
	for {
		if _, err := io.ReadFull(r, hdr[:2]); err != nil {
			return m, err
		}
		flags := hdr[0]
		size := uint64(hdr[1])
		if flags&flagLong != 0 {
			if _, err := io.ReadFull(r, hdr[2:9]); err != nil {
				return m, err
			}
			size = binary.BigEndian.Uint64(hdr[1:9])
		}
		if flags&flagCommand != 0 {
			m.command = true
		}
		total += size
		if size > uint64(max) || total > uint64(max) {
			return m, fmt.Errorf("%w: a frame of %d bytes takes the message over the limit of %d bytes (set %s to raise it)", ErrMessageTooLarge, size, max, MaxMessageEnv)
		}
		body, err := readBody(r, int(size))
		if err != nil {
			return m, err
		}
		m.frames = append(m.frames, body)
		if flags&flagMore == 0 {
			return m, nil
		}
	}
}

// readBody reads n bytes, growing the buffer as they arrive.
func readBody(r io.Reader, n int) ([]byte, error) {
	if n <= readChunk {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b := make([]byte, 0, readChunk)
	for len(b) < n {
		if len(b) == cap(b) {
			grown := make([]byte, len(b), min(2*cap(b), n))
			copy(grown, b)
			b = grown
		}
		k, err := io.ReadFull(r, b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return b, err
		}
	}
	return b, nil
}

// pingCommand parses a ZMTP PING command (RFC 37: name, 2-byte TTL,
// context) and returns the body of the PONG that answers it.
func pingCommand(frame []byte) (pong []byte, ok bool) {
	const name = "\x04PING"
	if len(frame) < len(name)+2 || string(frame[:len(name)]) != name {
		return nil, false
	}
	return append([]byte("\x04PONG"), frame[len(name)+2:]...), true
}
