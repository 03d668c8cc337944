package frame

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Message types. Each corresponds to the Jupyter message of the same name,
// which the kernel sends on the program's behalf.
const (
	// TypeDisplayData shows Data as a new output, optionally with a DisplayID
	// that later updates refer to.
	TypeDisplayData = "display_data"
	// TypeUpdateDisplayData replaces the Data of every output that was shown
	// with DisplayID.
	TypeUpdateDisplayData = "update_display_data"
	// TypeExecuteResult shows Data as the value of the cell.
	TypeExecuteResult = "execute_result"
	// TypeClearOutput clears the cell's output; with Wait, only when the next
	// output arrives, which avoids flicker in animations.
	TypeClearOutput = "clear_output"
	// TypeInputRequest asks the frontend for one line of input, showing
	// Prompt; the kernel writes the answer and a newline to the program's
	// standard input, or closes it when the frontend does not allow input.
	TypeInputRequest = "input_request"
)

// Message is the content of one frame.
type Message struct {
	// Type is one of the Type constants.
	Type string `json:"type"`
	// Data maps MIME types to content, for display_data,
	// update_display_data and execute_result.
	Data map[string]any `json:"data,omitempty"`
	// Metadata holds metadata per MIME type (or top-level keys such as
	// "isolated") for the same message types as Data.
	Metadata map[string]any `json:"metadata,omitempty"`
	// DisplayID names an output so that later updates can replace it.
	DisplayID string `json:"display_id,omitempty"`
	// Wait is for clear_output: clear when the next output arrives.
	Wait bool `json:"wait,omitempty"`
	// Prompt is for input_request: the text shown before the input field.
	Prompt string `json:"prompt,omitempty"`
	// Password is for input_request: hide what the user types.
	Password bool `json:"password,omitempty"`
}

// Validate reports what is wrong with m, or nil when the kernel can forward
// it to the frontend. It checks that
//   - the type is known, and the fields used are the ones that type takes;
//   - display_data, update_display_data and execute_result carry data, under
//     MIME type names such as "image/png";
//   - text/* and image/* content, and any other content that is not JSON
//     (application/json or a "+json" type), is a string;
//   - image/png, image/jpeg and image/gif content is base64 of such an image;
//   - update_display_data names the output it updates.
//
// All problems are reported together, one per line.
func (m *Message) Validate() error {
	if m == nil {
		return errors.New("display message: message is nil")
	}
	var errs []string
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf(format, args...))
	}
	hasData := false
	switch m.Type {
	case TypeDisplayData, TypeUpdateDisplayData, TypeExecuteResult:
		hasData = true
		if len(m.Data) == 0 {
			bad("%s has no data: give content under at least one MIME type, such as text/plain", m.Type)
		}
		if m.Type == TypeUpdateDisplayData && m.DisplayID == "" {
			bad("update_display_data has no display_id: an update must name the output it replaces")
		}
		if m.Type == TypeExecuteResult && m.DisplayID != "" {
			bad("execute_result cannot have a display_id (%q): use display_data for outputs that are updated later", m.DisplayID)
		}
		if m.Wait {
			bad("%s cannot have wait: wait belongs to clear_output", m.Type)
		}
		if m.Prompt != "" || m.Password {
			bad("%s cannot have prompt or password: they belong to input_request", m.Type)
		}
	case TypeClearOutput:
		if m.DisplayID != "" {
			bad("clear_output cannot have a display_id (%q): it clears the whole cell output", m.DisplayID)
		}
		if m.Prompt != "" || m.Password {
			bad("clear_output cannot have prompt or password: they belong to input_request")
		}
	case TypeInputRequest:
		if m.DisplayID != "" {
			bad("input_request cannot have a display_id (%q)", m.DisplayID)
		}
		if m.Wait {
			bad("input_request cannot have wait: wait belongs to clear_output")
		}
	case "":
		bad("message has no type: want one of %s", typeList)
	default:
		bad("message type %q is unknown: want one of %s", m.Type, typeList)
	}
	if !hasData && m.Type != "" {
		if len(m.Data) > 0 || len(m.Metadata) > 0 {
			bad("%s cannot have data or metadata: only display_data, update_display_data and execute_result show content", m.Type)
		}
	}
	if hasData {
		for _, mime := range sortedKeys(m.Data) {
			if err := checkContent(mime, m.Data[mime]); err != "" {
				bad("%s", err)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New("display message: " + strings.Join(errs, "\n"))
}

var typeList = strings.Join([]string{TypeDisplayData, TypeUpdateDisplayData, TypeExecuteResult, TypeClearOutput, TypeInputRequest}, ", ")

// imageMagic holds the leading bytes of the binary image types that Jupyter
// receives as base64.
var imageMagic = map[string]string{
	"image/png":  "\x89PNG\r\n\x1a\n",
	"image/jpeg": "\xff\xd8\xff",
	"image/gif":  "GIF8",
}

// checkContent returns what is wrong with content under mime, or "".
func checkContent(mime string, content any) string {
	typ, sub, ok := strings.Cut(mime, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(mime, " \t\r\n;") {
		return fmt.Sprintf("%q is not a MIME type: use a type/subtype name such as text/plain or image/png", mime)
	}
	if mime == "application/json" || strings.HasSuffix(sub, "+json") {
		return "" // any JSON value
	}
	s, isString := content.(string)
	if !isString {
		return fmt.Sprintf("%s content must be a string, not %s", mime, describe(content))
	}
	magic, binary := imageMagic[mime]
	if !binary {
		return ""
	}
	// The standard decoder skips line breaks, as Jupyter does.
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Sprintf("%s content must be base64 (standard alphabet, padded): %v", mime, err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		n := min(len(raw), 8)
		return fmt.Sprintf("%s content is base64 but not a %s image: it starts with %q, not %q", mime, sub, raw[:n], magic)
	}
	return ""
}

// describe names the kind of a value decoded from or destined for JSON.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []byte:
		return "[]byte (encode it as base64; display.NewData does)"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
