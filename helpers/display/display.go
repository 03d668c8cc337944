// Package display shows rich output (pictures, HTML, Markdown, JSON and
// readable text) from Go notebook cells run by gokernel.
//
// A cell shows a value with Show, or content of a given kind with SVG, HTML,
// Markdown, Text, PNG, JPEG, JSON or ShowData:
//
//	display.Show(myStruct)           // readable text, see Format
//	display.SVG(`<svg ...>...</svg>`) // a picture
//	display.Markdown("**done**")
//
// A Handle shows an output that later calls replace in place, such as a
// progress bar. Input and Password ask the user for a line of text.
//
// # How it works
//
// gokernel runs each cell as a program and puts a token in its environment
// (see package asyncgo/helpers/display/frame). Each call of this package
// then writes one frame, in a single Write to os.Stdout, so displays and
// printed text from any goroutine keep their order. Nothing is buffered.
//
// Outside the kernel (go run, go test) there is no token, and every call
// prints a readable text version instead: text as it is, Markdown as its
// source, JSON indented, and a short note for HTML and images, such as
//
//	[image/svg+xml: 12.3 kB — run in Jupyter with gokernel to see it]
//
// The functions never fail: content that cannot be shown (an invalid image,
// a value that JSON cannot encode) is reported on os.Stderr, which the
// kernel shows as an error in the cell.
//
// # State
//
// The package reads the token from the environment at each call and writes
// to whatever os.Stdout is at that moment. Its only state is a mutex that
// keeps its own writes whole, and one that pairs each input request with
// the line read for it.
package display

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"

	"asyncgo/helpers/display/frame"
)

// Locks for the process-wide os.Stdout and os.Stdin.
var stdoutMu, stdinMu sync.Mutex

// displayer writes frames, or their text fallback without a token. The
// package-level functions use one for os.Stdout; tests use their own.
type displayer struct {
	out   io.Writer // standard output
	errw  io.Writer // where problems are reported
	in    io.Reader // where input lines come from
	token string    // "" outside the kernel
	outMu *sync.Mutex
	inMu  *sync.Mutex
}

// std returns the displayer for the process's standard streams.
func std() *displayer {
	return &displayer{
		out:   os.Stdout,
		errw:  os.Stderr,
		in:    os.Stdin,
		token: os.Getenv(frame.TokenEnv),
		outMu: &stdoutMu,
		inMu:  &stdinMu,
	}
}

// write writes b to the output in one call.
func (d *displayer) write(b []byte) {
	d.outMu.Lock()
	defer d.outMu.Unlock()
	d.out.Write(b) // Output that cannot be written has nowhere else to go.
}

// fail reports a problem on the error stream.
func (d *displayer) fail(err error) {
	d.outMu.Lock()
	defer d.outMu.Unlock()
	msg := err.Error()
	if !strings.HasPrefix(msg, "display") {
		msg = "display: " + msg
	}
	io.WriteString(d.errw, msg+"\n")
}

// send writes m as a frame, or fallback as text outside the kernel.
func (d *displayer) send(m *frame.Message, fallback func() string) {
	if d.token == "" {
		if err := m.Validate(); err != nil {
			d.fail(err)
			return
		}
		if fallback == nil {
			return
		}
		s := fallback()
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		d.write([]byte(s))
		return
	}
	b, err := frame.Append(nil, d.token, m)
	if err != nil {
		d.fail(err)
		return
	}
	d.write(b)
}

// show sends data in a message of the given type.
func (d *displayer) show(typ, id string, data Data) {
	m := &frame.Message{Type: typ, Data: data.MIME, Metadata: data.Metadata, DisplayID: id}
	d.send(m, func() string { return fallbackText(data) })
}

// dataOf returns what Show shows for v.
func dataOf(v any) Data {
	if r, ok := v.(Renderer); ok {
		return r.DisplayData()
	}
	return Data{MIME: map[string]any{"text/plain": Format(v)}}
}

// Show shows v: a Renderer (a Data among them) as its DisplayData, any
// other value as text/plain in the form Format gives it.
func Show(v any) { std().show(frame.TypeDisplayData, "", dataOf(v)) }

// ShowData shows d, which may hold content under several MIME types (the
// frontend picks the richest it can show) and metadata, for example the
// size at which to show an image:
//
//	display.ShowData(display.Data{
//		MIME:     map[string]any{"image/png": base64PNG},
//		Metadata: map[string]any{"image/png": map[string]any{"width": 320}},
//	})
func ShowData(d Data) { std().show(frame.TypeDisplayData, "", d) }

// Text shows s as plain text, in an output of its own.
func Text(s string) { ShowData(NewData("text/plain", s)) }

// HTML shows s as HTML.
func HTML(s string) { ShowData(NewData("text/html", s)) }

// Markdown shows s as Markdown.
func Markdown(s string) { ShowData(NewData("text/markdown", s)) }

// SVG shows s, an SVG document, as a picture.
func SVG(s string) { ShowData(NewData("image/svg+xml", s)) }

// PNG shows b, the bytes of a PNG image.
func PNG(b []byte) { ShowData(NewData("image/png", b)) }

// JPEG shows b, the bytes of a JPEG image.
func JPEG(b []byte) { ShowData(NewData("image/jpeg", b)) }

// JSON shows v as a JSON document, which JupyterLab shows as a tree to
// fold and unfold. v is encoded with encoding/json; a json.RawMessage is
// shown as it is.
func JSON(v any) { std().json(v) }

func (d *displayer) json(v any) {
	raw, err := encodeJSON(v, "")
	if err != nil {
		d.fail(errorf("JSON: cannot encode %T: %v", v, err))
		return
	}
	var text bytes.Buffer
	json.Indent(&text, raw, "", "  ") // raw is valid JSON
	d.show(frame.TypeDisplayData, "", Data{MIME: map[string]any{
		"application/json": json.RawMessage(raw),
		"text/plain":       text.String(),
	}})
}

// encodeJSON encodes v as JSON without escaping <, > and &, which would
// make the text harder to read.
func encodeJSON(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Clear clears the output of the cell. With wait, the output is cleared
// only when the next output arrives, which avoids flicker when a cell
// redraws the same picture repeatedly. Outside the kernel Clear does
// nothing.
func Clear(wait bool) { std().clear(wait) }

func (d *displayer) clear(wait bool) {
	d.send(&frame.Message{Type: frame.TypeClearOutput, Wait: wait}, nil)
}

// Result shows values as the result of the cell, the way a notebook shows
// the value of a cell's last expression: gokernel calls it for you. One
// value is shown as Show shows it; several are shown as a tuple,
// ("a", 1, true); none shows nothing. A Renderer whose DisplayData is
// empty has nothing more to show (a value that already showed itself,
// such as an exercise check) and is not shown.
func Result(values ...any) { std().result(values) }

func (d *displayer) result(values []any) {
	var data Data
	switch len(values) {
	case 0:
		return
	case 1:
		if r, ok := values[0].(Renderer); ok && len(r.DisplayData().MIME) == 0 {
			return
		}
		data = dataOf(values[0])
	default:
		data = Data{MIME: map[string]any{"text/plain": formatTuple(values)}}
	}
	d.show(frame.TypeExecuteResult, "", data)
}

// A Handle names an output so that it can be replaced in place: show it
// once with Show, then replace it with Update as often as needed, for
// example to draw a progress bar or a growing timeline.
//
// Outside the kernel Update prints the new value as text, like Show.
type Handle struct {
	id string
}

// NewHandle returns a Handle with a new random ID.
func NewHandle() Handle {
	return Handle{id: "asyncgo-" + strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)}
}

// HandleWithID returns a Handle for the display ID id. Outputs shown with
// the same ID in earlier cells of the notebook are updated too.
func HandleWithID(id string) Handle { return Handle{id: id} }

// ID returns the display ID of h.
func (h Handle) ID() string { return h.id }

// Show shows v as Show does, as an output that h.Update can replace. The
// same value may be shown several times: updates replace every copy.
func (h Handle) Show(v any) { std().show(frame.TypeDisplayData, h.id, dataOf(v)) }

// Update replaces the outputs shown with h's ID by v, shown as Show shows
// it. Before any such output is shown, Update changes nothing visible.
func (h Handle) Update(v any) { std().show(frame.TypeUpdateDisplayData, h.id, dataOf(v)) }
