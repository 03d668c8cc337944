// Package frame defines how a cell program sends display messages to
// gokernel through its standard output, so that pictures and printed text
// keep the order in which the program produced them.
//
// The kernel starts each cell program with a fresh random token in the
// environment variable named by TokenEnv. A message is one line on standard
// output: the byte 0x1E, the word "gokernel:", the token, a space, a JSON
// encoding of Message, and a newline. Everything else on standard output is
// ordinary text. Without the token in the environment a program is not
// running under the kernel and should print text instead of frames.
//
// The cell side writes frames with Append; the kernel side separates a
// program's output into text and messages with a Splitter.
package frame

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// TokenEnv is the environment variable through which the kernel hands a
// cell program the token that marks its frames.
const TokenEnv = "GOKERNEL_DISPLAY_TOKEN"

// Mark is the byte that starts every frame (ASCII record separator).
const Mark = 0x1E

// Prefix is what every frame starts with, before the token.
const Prefix = "\x1egokernel:"

// DefaultMaxFrame is the frame size limit a Splitter uses when NewSplitter is
// given a limit of zero or less.
const DefaultMaxFrame = 64 << 20

// CheckToken reports whether token can mark frames: it must be non-empty and
// must not contain the frame mark 0x1E, spaces, or line breaks.
func CheckToken(token string) error {
	if token == "" {
		return errors.New("frame: token is empty; the kernel must put a random token in " + TokenEnv)
	}
	if i := strings.IndexAny(token, "\x1e \t\r\n"); i >= 0 {
		return fmt.Errorf("frame: token contains the byte %q at offset %d; use letters and digits only", token[i], i)
	}
	return nil
}

// Append appends the frame that carries m, marked with token, to dst and
// returns the extended slice. It checks the token and the message first
// (see Message.Validate) and returns dst unchanged with an error if either
// is unusable or the content cannot be encoded as JSON.
//
// The frame is a single line: JSON escapes every line break and every 0x1E
// inside strings, so content can never end a frame early.
func Append(dst []byte, token string, m *Message) ([]byte, error) {
	if err := CheckToken(token); err != nil {
		return dst, err
	}
	if err := m.Validate(); err != nil {
		return dst, err
	}
	n := len(dst)
	buf := bytes.NewBuffer(dst)
	buf.WriteString(Prefix)
	buf.WriteString(token)
	buf.WriteByte(' ')
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// Encode ends its output with "\n", which ends the frame.
	if err := enc.Encode(m); err != nil {
		return dst[:n], fmt.Errorf("frame: cannot encode %s message as JSON: %w", m.Type, err)
	}
	return buf.Bytes(), nil
}
