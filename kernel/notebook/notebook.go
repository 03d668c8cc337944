// Package notebook reads and writes Jupyter notebooks in nbformat 4 and
// turns a kernel's IOPub messages into cell outputs.
//
// Files are written the way Jupyter's nbformat library writes them: JSON
// indented by one space, object keys sorted, non-ASCII text unescaped, a
// trailing newline, and multiline strings stored as lists of lines (cell
// sources, stream text, attachments, and MIME data whose type starts with
// "text/" or is image/svg+xml or application/javascript). Reading joins
// those lists back into strings. Fields this package does not model are
// kept in Extra maps and written back unchanged, and numbers keep their
// original spelling, so a notebook written by Jupyter round-trips byte for
// byte through Read and Write.
//
// Cell ids follow nbformat 4.5: one to 64 ASCII letters, digits, '-' or
// '_', unique within the notebook. EnsureIDs upgrades a notebook to 4.5 and
// gives every cell lacking a valid id a fresh one.
package notebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Cell types.
const (
	CodeCell     = "code"
	MarkdownCell = "markdown"
	RawCell      = "raw"
)

// Output types.
const (
	StreamOutput        = "stream"
	DisplayDataOutput   = "display_data"
	ExecuteResultOutput = "execute_result"
	ErrorOutput         = "error"
)

// MIMEBundle maps a MIME type to its content: a string for text and
// base64-encoded binary types, any JSON value for application/json and
// other +json types.
type MIMEBundle map[string]any

// Notebook is an nbformat 4 notebook.
type Notebook struct {
	// NBFormat and NBFormatMinor give the format version (4 and 0 to 5).
	NBFormat      int
	NBFormatMinor int
	// Metadata is the notebook's metadata (kernelspec, language_info, ...).
	Metadata map[string]any
	// Cells are the cells in order.
	Cells []*Cell
	// Extra holds top-level fields this package does not model.
	Extra map[string]any
}

// Cell is one cell of a notebook.
type Cell struct {
	// ID is the nbformat 4.5 cell id; empty when the notebook has none.
	ID string
	// Type is CodeCell, MarkdownCell or RawCell (or another value read
	// from the file, which is kept).
	Type string
	// Source is the cell's text.
	Source string
	// Metadata is the cell's metadata; Tags reads its "tags" list.
	Metadata map[string]any
	// ExecutionCount is the prompt number of a code cell, nil when the
	// cell has not run.
	ExecutionCount *int
	// Outputs are the outputs of a code cell.
	Outputs []*Output
	// Attachments maps an attachment name to its MIME bundle (markdown
	// and raw cells).
	Attachments map[string]MIMEBundle
	// Extra holds cell fields this package does not model.
	Extra map[string]any
}

// Output is one output of a code cell.
type Output struct {
	// Type is StreamOutput, DisplayDataOutput, ExecuteResultOutput or
	// ErrorOutput (or another value read from the file, which is kept).
	Type string
	// Name is the stream name ("stdout" or "stderr") of a stream output.
	Name string
	// Text is the text of a stream output.
	Text string
	// Data and Metadata are the MIME bundle and its metadata of
	// display_data and execute_result outputs.
	Data     MIMEBundle
	Metadata map[string]any
	// ExecutionCount is the prompt number of an execute_result.
	ExecutionCount *int
	// EName, EValue and Traceback describe an error output.
	EName     string
	EValue    string
	Traceback []string
	// Extra holds output fields this package does not model.
	Extra map[string]any
}

// Tags returns the cell's metadata tags.
func (c *Cell) Tags() []string {
	list, _ := c.Metadata["tags"].([]any)
	var tags []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			tags = append(tags, s)
		}
	}
	return tags
}

// HasTag reports whether the cell's metadata tags include tag.
func (c *Cell) HasTag(tag string) bool {
	for _, t := range c.Tags() {
		if t == tag {
			return true
		}
	}
	return false
}

// New returns an empty nbformat 4.5 notebook.
func New() *Notebook {
	return &Notebook{NBFormat: 4, NBFormatMinor: 5, Metadata: map[string]any{}}
}

// ReadFile reads the notebook stored in the file at path.
func ReadFile(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nb, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

// Read reads a notebook from r.
func Read(r io.Reader) (*Notebook, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse decodes a notebook from its JSON text.
func Parse(b []byte) (*Notebook, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("notebook is not valid JSON: %w", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("notebook JSON is not an object")
	}
	nb := &Notebook{Extra: map[string]any{}}
	nb.NBFormat, ok = intField(top, "nbformat")
	if !ok {
		return nil, fmt.Errorf("notebook has no nbformat version; is it a Jupyter notebook?")
	}
	if nb.NBFormat != 4 {
		return nil, fmt.Errorf("notebook is nbformat %d, only 4 is supported; convert it with: jupyter nbconvert --to notebook --nbformat 4", nb.NBFormat)
	}
	nb.NBFormatMinor, _ = intField(top, "nbformat_minor")
	nb.Metadata = objectField(top, "metadata")
	cells, _ := top["cells"].([]any)
	for i, c := range cells {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("cell %d is not a JSON object", i+1)
		}
		cell, err := parseCell(m)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %w", i+1, err)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	for _, k := range []string{"nbformat", "nbformat_minor", "metadata", "cells"} {
		delete(top, k)
	}
	nb.Extra = top
	return nb, nil
}

func parseCell(m map[string]any) (*Cell, error) {
	c := &Cell{}
	c.Type, _ = m["cell_type"].(string)
	if c.Type == "" {
		return nil, fmt.Errorf("missing cell_type")
	}
	c.ID, _ = m["id"].(string)
	c.Source = joinLines(m["source"])
	c.Metadata = objectField(m, "metadata")
	if n, ok := intField(m, "execution_count"); ok {
		c.ExecutionCount = &n
	}
	if att, ok := m["attachments"].(map[string]any); ok {
		c.Attachments = map[string]MIMEBundle{}
		for name, b := range att {
			bundle, _ := b.(map[string]any)
			c.Attachments[name] = joinBundle(bundle)
		}
	}
	outs, _ := m["outputs"].([]any)
	for i, o := range outs {
		om, ok := o.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("output %d is not a JSON object", i+1)
		}
		c.Outputs = append(c.Outputs, parseOutput(om))
	}
	if c.Type == CodeCell && c.Outputs == nil {
		c.Outputs = []*Output{}
	}
	for _, k := range []string{"cell_type", "id", "source", "metadata", "execution_count", "attachments", "outputs"} {
		delete(m, k)
	}
	c.Extra = m
	return c, nil
}

func parseOutput(m map[string]any) *Output {
	o := &Output{}
	o.Type, _ = m["output_type"].(string)
	known := []string{"output_type"}
	switch o.Type {
	case StreamOutput:
		o.Name, _ = m["name"].(string)
		o.Text = joinLines(m["text"])
		known = append(known, "name", "text")
	case DisplayDataOutput, ExecuteResultOutput:
		data, _ := m["data"].(map[string]any)
		o.Data = joinBundle(data)
		o.Metadata = objectField(m, "metadata")
		known = append(known, "data", "metadata")
		if o.Type == ExecuteResultOutput {
			if n, ok := intField(m, "execution_count"); ok {
				o.ExecutionCount = &n
			}
			known = append(known, "execution_count")
		}
	case ErrorOutput:
		o.EName, _ = m["ename"].(string)
		o.EValue, _ = m["evalue"].(string)
		tb, _ := m["traceback"].([]any)
		o.Traceback = make([]string, 0, len(tb))
		for _, l := range tb {
			s, _ := l.(string)
			o.Traceback = append(o.Traceback, s)
		}
		known = append(known, "ename", "evalue", "traceback")
	}
	for _, k := range known {
		delete(m, k)
	}
	o.Extra = m
	return o
}

// WriteFile writes nb to the file at path, replacing it atomically: the
// text goes to a temporary file in the same directory that is then renamed.
// An existing file keeps its permissions.
func WriteFile(path string, nb *Notebook) error {
	b, err := Marshal(nb)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), mode)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return werr
	}
	return nil
}

// Write writes nb to w as Jupyter would.
func Write(w io.Writer, nb *Notebook) error {
	b, err := Marshal(nb)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the file text of nb as Jupyter's nbformat writes it.
func Marshal(nb *Notebook) ([]byte, error) {
	top := map[string]any{}
	for k, v := range nb.Extra {
		top[k] = v
	}
	top["nbformat"] = nb.NBFormat
	top["nbformat_minor"] = nb.NBFormatMinor
	top["metadata"] = orEmpty(nb.Metadata)
	cells := make([]any, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		cells = append(cells, cellJSON(c))
	}
	top["cells"] = cells
	var buf bytes.Buffer
	if err := encodePython(&buf, top, 0); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func cellJSON(c *Cell) map[string]any {
	m := map[string]any{}
	for k, v := range c.Extra {
		m[k] = v
	}
	m["cell_type"] = c.Type
	if c.ID != "" {
		m["id"] = c.ID
	}
	m["metadata"] = orEmpty(c.Metadata)
	m["source"] = splitLinesJSON(c.Source)
	if c.Attachments != nil {
		att := map[string]any{}
		for name, b := range c.Attachments {
			att[name] = splitBundle(b)
		}
		m["attachments"] = att
	}
	if c.Type == CodeCell {
		m["execution_count"] = intOrNil(c.ExecutionCount)
		outs := make([]any, 0, len(c.Outputs))
		for _, o := range c.Outputs {
			outs = append(outs, outputJSON(o))
		}
		m["outputs"] = outs
	}
	return m
}

func outputJSON(o *Output) map[string]any {
	m := map[string]any{}
	for k, v := range o.Extra {
		m[k] = v
	}
	m["output_type"] = o.Type
	switch o.Type {
	case StreamOutput:
		m["name"] = o.Name
		m["text"] = splitLinesJSON(o.Text)
	case DisplayDataOutput, ExecuteResultOutput:
		m["data"] = splitBundle(o.Data)
		m["metadata"] = orEmpty(o.Metadata)
		if o.Type == ExecuteResultOutput {
			m["execution_count"] = intOrNil(o.ExecutionCount)
		}
	case ErrorOutput:
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := make([]any, 0, len(o.Traceback))
		for _, l := range o.Traceback {
			tb = append(tb, l)
		}
		m["traceback"] = tb
	}
	return m
}

// isJSONMIME reports whether a MIME type holds a JSON value that is never
// split into lines.
func isJSONMIME(mime string) bool {
	return mime == "application/json" || (strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json"))
}

// splitsIntoLines reports whether nbformat stores a string of this MIME
// type as a list of lines.
func splitsIntoLines(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == "image/svg+xml" || mime == "application/javascript"
}

func joinBundle(b map[string]any) MIMEBundle {
	out := MIMEBundle{}
	for k, v := range b {
		if list, ok := v.([]any); ok && !isJSONMIME(k) && allStrings(list) {
			v = joinLines(list)
		}
		out[k] = v
	}
	return out
}

func splitBundle(b MIMEBundle) map[string]any {
	out := map[string]any{}
	for k, v := range b {
		if s, ok := v.(string); ok && splitsIntoLines(k) {
			out[k] = splitLinesJSON(s)
			continue
		}
		out[k] = v
	}
	return out
}

func allStrings(list []any) bool {
	for _, v := range list {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// joinLines turns a string or a list of strings into one string.
func joinLines(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, l := range v {
			s, _ := l.(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}

func splitLinesJSON(s string) []any {
	lines := SplitLines(s)
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

func intField(m map[string]any, key string) (int, bool) {
	n, ok := m[key].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		return 0, false
	}
	return int(i), true
}

func objectField(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	return map[string]any{}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
