package display

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
