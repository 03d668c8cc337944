package display

import (
	"encoding/base64"
	"strings"
)

// Data is one displayable output: its content under one or more MIME types,
// plus optional metadata per MIME type, as in a Jupyter display_data message.
//
// Text content (text/plain, text/html, image/svg+xml, text/markdown) is a
// string; binary images (image/png, image/jpeg) are base64-encoded strings;
// application/json (and other +json types) may hold any JSON value.
type Data struct {
	// MIME maps a MIME type to its content.
	MIME map[string]any
	// Metadata maps a MIME type (or a top-level key such as "isolated")
	// to metadata that the frontend uses when it shows the content.
	Metadata map[string]any
}

// Renderer is implemented by values that know how to display themselves
// richly. Functions of this package that show a value use DisplayData when
// the value implements it, and a text rendering otherwise.
type Renderer interface {
	DisplayData() Data
}

// DisplayData returns d itself, so that a Data is a Renderer.
func (d Data) DisplayData() Data { return d }

// NewData returns Data with content under one MIME type. Binary content
// ([]byte) under image/png, image/jpeg or image/gif is base64-encoded, and
// []byte under any other type that is not JSON becomes a string, so
//
//	display.NewData("image/png", pngBytes)
//	display.NewData("image/svg+xml", svgText)
//
// both give content in the form Jupyter expects. Other content is stored as
// it is.
func NewData(mime string, content any) Data {
	if b, ok := content.([]byte); ok && !isJSON(mime) {
		if binaryImage(mime) {
			content = base64.StdEncoding.EncodeToString(b)
		} else {
			content = string(b)
		}
	}
	return Data{MIME: map[string]any{mime: content}}
}

// isJSON reports whether content under mime is any JSON value.
func isJSON(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// binaryImage reports whether Jupyter expects base64 content under mime.
func binaryImage(mime string) bool {
	return mime == "image/png" || mime == "image/jpeg" || mime == "image/gif"
}
