package jupyter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
)

// Signer encodes messages into wire frames and decodes and verifies
// frames into messages. A Signer is safe for concurrent use.
type Signer struct {
	key []byte // nil: messages are neither signed nor checked
}

// NewSigner returns a Signer for the connection file's signature scheme
// and key. With an empty key messages are not signed, and the signatures
// of received messages are not checked.
func NewSigner(scheme, key string) (*Signer, error) {
	if key == "" {
		return &Signer{}, nil
	}
	if scheme != SignatureScheme {
		return nil, fmt.Errorf("jupyter: signature scheme %q is not supported; use %q", scheme, SignatureScheme)
	}
	return &Signer{key: []byte(key)}, nil
}

func (s *Signer) mac() hash.Hash {
	return hmac.New(sha256.New, s.key)
}

// sign returns the lowercase hex HMAC of the four JSON parts, or nil when
// s does not sign.
func (s *Signer) sign(parts [][]byte) []byte {
	if s.key == nil {
		return nil
	}
	mac := s.mac()
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Encode returns the wire frames of m: its identities, the delimiter
// "<IDS|MSG>", the signature, the header, parent header, metadata and
// content as JSON, then its buffers.
func (s *Signer) Encode(m *Message) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("jupyter: encoding header of %s: %w", m.Header.MsgType, err)
	}
	parent := []byte(emptyJSONObject)
	if m.ParentHeader != nil {
		if parent, err = json.Marshal(m.ParentHeader); err != nil {
			return nil, fmt.Errorf("jupyter: encoding parent header of %s: %w", m.Header.MsgType, err)
		}
	}
	metadata := []byte(emptyJSONObject)
	if len(m.Metadata) > 0 {
		if metadata, err = json.Marshal(m.Metadata); err != nil {
			return nil, fmt.Errorf("jupyter: encoding metadata of %s: %w", m.Header.MsgType, err)
		}
	}
	content := []byte(m.Content)
	if len(content) == 0 {
		content = []byte(emptyJSONObject)
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	parts := [][]byte{header, parent, metadata, content}
	frames = append(frames, []byte(delimiter), s.sign(parts))
	frames = append(frames, parts...)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// Errors wrapped by Decode, for callers that count rejected messages.
var (
	ErrNoDelimiter  = errors.New(`no "<IDS|MSG>" delimiter frame`)
	ErrShortMessage = errors.New("fewer than the 5 frames (signature, header, parent header, metadata, content) after the delimiter")
	ErrBadSignature = errors.New("signature does not match; the sender uses another key or the message was altered")
)

// Decode parses the wire frames of one message and checks its signature in
// constant time. The returned message does not share memory with frames'
// JSON parts, but Identities and Buffers alias the given frames.
func (s *Signer) Decode(frames [][]byte) (*Message, error) {
	split := -1
	for i, f := range frames {
		if string(f) == delimiter {
			split = i
			break
		}
	}
	if split < 0 {
		return nil, fmt.Errorf("jupyter: decoding %d frames: %w", len(frames), ErrNoDelimiter)
	}
	rest := frames[split+1:]
	if len(rest) < framesAfterDelimit {
		return nil, fmt.Errorf("jupyter: decoding message with %d frames after the delimiter: %w", len(rest), ErrShortMessage)
	}
	parts := rest[headerFrame : contentFrame+1]
	if s.key != nil {
		want := s.sign(parts)
		if !hmac.Equal(want, rest[signatureFrame]) {
			return nil, fmt.Errorf("jupyter: decoding message: %w", ErrBadSignature)
		}
	}
	m := &Message{}
	if split > 0 {
		// A copy: a slice of frames would keep every frame, the
		// content too, alive for as long as the message is.
		m.Identities = append([][]byte(nil), frames[:split]...)
	}
	if err := json.Unmarshal(rest[headerFrame], &m.Header); err != nil {
		return nil, fmt.Errorf("jupyter: decoding header: %w", err)
	}
	var parent Header
	if err := json.Unmarshal(rest[parentHeaderFrame], &parent); err != nil {
		return nil, fmt.Errorf("jupyter: decoding parent header of %s: %w", m.Header.MsgType, err)
	}
	if parent != (Header{}) {
		m.ParentHeader = &parent
	}
	if err := json.Unmarshal(rest[metadataFrame], &m.Metadata); err != nil {
		return nil, fmt.Errorf("jupyter: decoding metadata of %s: %w", m.Header.MsgType, err)
	}
	if !json.Valid(rest[contentFrame]) {
		return nil, fmt.Errorf("jupyter: decoding content of %s: not valid JSON", m.Header.MsgType)
	}
	m.Content = append(json.RawMessage(nil), rest[contentFrame]...)
	if len(rest) > framesAfterDelimit {
		m.Buffers = rest[framesAfterDelimit:]
	}
	return m, nil
}
