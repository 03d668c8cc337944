package jupyter

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// ProtocolVersion is the version of the messaging protocol this package
// speaks; NewMessage puts it in every header.
const ProtocolVersion = "5.4"

// Message types used by kernels and clients of this module.
const (
	KernelInfoRequest = "kernel_info_request"
	KernelInfoReply   = "kernel_info_reply"
	ExecuteRequest    = "execute_request"
	ExecuteReply      = "execute_reply"
	ExecuteInput      = "execute_input"
	ExecuteResult     = "execute_result"
	Stream            = "stream"
	DisplayData       = "display_data"
	UpdateDisplayData = "update_display_data"
	ClearOutput       = "clear_output"
	Error             = "error"
	Status            = "status"
	InputRequest      = "input_request"
	InputReply        = "input_reply"
	CompleteRequest   = "complete_request"
	CompleteReply     = "complete_reply"
	InspectRequest    = "inspect_request"
	InspectReply      = "inspect_reply"
	IsCompleteRequest = "is_complete_request"
	IsCompleteReply   = "is_complete_reply"
	HistoryRequest    = "history_request"
	HistoryReply      = "history_reply"
	CommInfoRequest   = "comm_info_request"
	CommInfoReply     = "comm_info_reply"
	ShutdownRequest   = "shutdown_request"
	ShutdownReply     = "shutdown_reply"
	InterruptRequest  = "interrupt_request"
	InterruptReply    = "interrupt_reply"
)

// DateLayout is the time layout of Header.Date: ISO 8601 with microseconds.
const DateLayout = "2006-01-02T15:04:05.000000Z07:00"

// Frame layout of the wire format.
const (
	delimiter          = "<IDS|MSG>"
	emptyJSONObject    = "{}"
	signatureFrame     = 0
	headerFrame        = 1
	parentHeaderFrame  = 2
	metadataFrame      = 3
	contentFrame       = 4
	framesAfterDelimit = 5
)

// Header is the header of a message, and the parent header of its replies.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message. Its JSON parts are kept as Go values
// except Content, which stays raw until Decode so that each message type
// can be decoded into its own struct.
type Message struct {
	// Identities are the ZeroMQ routing identities of a message received
	// on or sent to a ROUTER socket, or the topic of an IOPub message.
	Identities [][]byte
	Header     Header
	// ParentHeader is the header of the request this message answers;
	// nil is sent as {}.
	ParentHeader *Header
	// Metadata is nil when empty; nil is sent as {}.
	Metadata map[string]any
	// Content is the JSON content; nil is sent as {}.
	Content json.RawMessage
	// Buffers are extra binary frames, used by comms and widgets.
	Buffers [][]byte
}

// NewMessage returns a message of type msgType from the given session and
// user with content encoded as JSON. The header gets a new random msg_id,
// the current UTC time with microseconds, and ProtocolVersion. If parent is
// not nil, the message answers it: its parent header is parent's header and
// it is routed to the same identities.
func NewMessage(session, username, msgType string, parent *Message, content any) (*Message, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("jupyter: encoding %s content: %w", msgType, err)
	}
	if content == nil {
		raw = json.RawMessage(emptyJSONObject)
	}
	m := &Message{
		Header: Header{
			MsgID:    NewID(),
			Session:  session,
			Username: username,
			Date:     time.Now().UTC().Format(DateLayout),
			MsgType:  msgType,
			Version:  ProtocolVersion,
		},
		Content: raw,
	}
	if parent != nil {
		h := parent.Header
		m.ParentHeader = &h
		m.Identities = make([][]byte, len(parent.Identities))
		for i, id := range parent.Identities {
			m.Identities[i] = append([]byte(nil), id...)
		}
	}
	return m, nil
}

// Decode decodes the JSON content of m into v.
func (m *Message) Decode(v any) error {
	content := m.Content
	if len(content) == 0 {
		content = json.RawMessage(emptyJSONObject)
	}
	if err := json.Unmarshal(content, v); err != nil {
		return fmt.Errorf("jupyter: decoding content of %s message %s: %w", m.Header.MsgType, m.Header.MsgID, err)
	}
	return nil
}

// NewID returns a random version 4 UUID in its canonical text form, the
// format Jupyter uses for message and session ids.
func NewID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		// crypto/rand.Read does not fail on supported platforms.
		panic("jupyter: reading random bytes: " + err.Error())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
