package display

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"asyncgo/helpers/display/frame"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const testToken = "TESTTOKEN"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// capture is a displayer writing to buffers.
type capture struct {
	d        *displayer
	out, err bytes.Buffer
}

func newCapture(token string, in io.Reader) *capture {
	c := &capture{}
	c.d = &displayer{out: &c.out, errw: &c.err, in: in, token: token, outMu: new(sync.Mutex), inMu: new(sync.Mutex)}
	return c
}

type svgChart struct{ points []int }

func (c svgChart) DisplayData() Data {
	return Data{
		MIME: map[string]any{
			"image/svg+xml": `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`,
			"text/plain":    "chart of " + Format(c.points),
		},
		Metadata: map[string]any{"image/svg+xml": map[string]any{"isolated": true}},
	}
}

type point struct {
	X, Y int
	Name string
}

// testImage is the picture of the PNG tests: a red dot in a 2×2 square.
func testImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	return img
}

func pngImage(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pngPayload = regexp.MustCompile(`"image/png":"([A-Za-z0-9+/=]+)"`)

// pngPlaceholders checks that every PNG in out (base64 in a frame) decodes
// to testImage, and that a text rendering gives pngBytes' size; it returns
// out with placeholders for both, so golden files do not hold the PNG
// encoder's bytes, which differ between Go releases (1.27 changed them).
func pngPlaceholders(t *testing.T, out, pngBytes []byte) []byte {
	t.Helper()
	out = pngPayload.ReplaceAllFunc(out, func(m []byte) []byte {
		enc := pngPayload.FindSubmatch(m)[1]
		data, err := base64.StdEncoding.DecodeString(string(enc))
		if err != nil {
			t.Errorf("image/png payload is not base64: %v", err)
			return m
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("image/png payload does not decode: %v", err)
			return m
		}
		want := testImage()
		if img.Bounds() != want.Bounds() {
			t.Errorf("image/png payload is %v, want %v", img.Bounds(), want.Bounds())
			return m
		}
		for y := 0; y < 2; y++ {
			for x := 0; x < 2; x++ {
				if g, w := color.RGBAModel.Convert(img.At(x, y)), want.At(x, y); g != w {
					t.Errorf("image/png payload has %v at (%d,%d), want %v", g, x, y, w)
				}
			}
		}
		return []byte(`"image/png":"(the test image, checked by decoding)"`)
	})
	size := fmt.Sprintf("[image/png: %d B ", len(pngBytes))
	return bytes.ReplaceAll(out, []byte(size), []byte("[image/png: (its size) B "))
}

func jpegImage(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOutput checks what each function writes, under the kernel (frames)
// and outside it (text), against golden files.
func TestOutput(t *testing.T) {
	pngBytes, jpegBytes := pngImage(t), jpegImage(t)
	tests := []struct {
		name    string
		run     func(d *displayer)
		wantErr string // on the error stream, in both modes
	}{
		{"show_string", func(d *displayer) { d.show(frame.TypeDisplayData, "", dataOf("hello\nworld")) }, ""},
		{"show_struct", func(d *displayer) { d.show(frame.TypeDisplayData, "", dataOf(&point{1, 2, "p"})) }, ""},
		{"show_error", func(d *displayer) { d.show(frame.TypeDisplayData, "", dataOf(errors.New("disk full"))) }, ""},
		{"show_renderer", func(d *displayer) { d.show(frame.TypeDisplayData, "", dataOf(svgChart{[]int{1, 2}})) }, ""},
		{"text", func(d *displayer) { d.show(frame.TypeDisplayData, "", NewData("text/plain", "plain <text>")) }, ""},
		{"html", func(d *displayer) {
			d.show(frame.TypeDisplayData, "", NewData("text/html", "<h1>Results</h1>\n<p>3 &lt; 4 &amp; <b>done</b></p><script>alert(1)</script><style>p{}</style>"))
		}, ""},
		{"markdown", func(d *displayer) {
			d.show(frame.TypeDisplayData, "", NewData("text/markdown", "# Title\n\n*emphasis*"))
		}, ""},
		{"svg", func(d *displayer) {
			d.show(frame.TypeDisplayData, "", NewData("image/svg+xml", strings.Repeat("<g/>", 300)))
		}, ""},
		{"png", func(d *displayer) { d.show(frame.TypeDisplayData, "", NewData("image/png", pngBytes)) }, ""},
		{"jpeg", func(d *displayer) { d.show(frame.TypeDisplayData, "", NewData("image/jpeg", jpegBytes)) }, ""},
		{"json", func(d *displayer) { d.json(map[string]any{"b": []int{1, 2}, "a": "<x>"}) }, ""},
		{"show_data_with_metadata", func(d *displayer) {
			d.show(frame.TypeDisplayData, "", Data{
				MIME:     map[string]any{"image/png": NewData("image/png", pngBytes).MIME["image/png"], "text/plain": "a red dot"},
				Metadata: map[string]any{"image/png": map[string]any{"width": 64, "height": 64}},
			})
		}, ""},
		{"handle", func(d *displayer) {
			h := HandleWithID("progress")
			d.show(frame.TypeDisplayData, h.ID(), dataOf("0%"))
			d.show(frame.TypeUpdateDisplayData, h.ID(), dataOf("50%"))
			d.show(frame.TypeUpdateDisplayData, h.ID(), dataOf(NewData("text/html", "<progress value=1></progress>")))
		}, ""},
		{"clear", func(d *displayer) { d.clear(false); d.clear(true) }, ""},
		{"result_none", func(d *displayer) { d.result(nil) }, ""},
		{"result_one", func(d *displayer) { d.result([]any{42}) }, ""},
		{"result_renderer", func(d *displayer) { d.result([]any{svgChart{[]int{3}}}) }, ""},
		{"result_many", func(d *displayer) { d.result([]any{"a", 1, nil, errors.New("e")}) }, ""},
		{"empty_data", func(d *displayer) { d.show(frame.TypeDisplayData, "", Data{}) }, "display_data has no data"},
		{"not_a_png", func(d *displayer) { d.show(frame.TypeDisplayData, "", NewData("image/png", jpegBytes)) }, "not a png image"},
		{"json_unencodable", func(d *displayer) { d.json(make(chan int)) }, "JSON: cannot encode chan int"},
		{"update_without_id", func(d *displayer) { d.show(frame.TypeUpdateDisplayData, HandleWithID("").ID(), dataOf(1)) }, "no display_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kernel := newCapture(testToken, nil)
			tt.run(kernel.d)
			text := newCapture("", nil)
			tt.run(text.d)

			for _, c := range []*capture{kernel, text} {
				if tt.wantErr == "" && c.err.Len() > 0 {
					t.Errorf("unexpected error output: %s", c.err.Bytes())
				}
				if tt.wantErr != "" && !strings.Contains(c.err.String(), tt.wantErr) {
					t.Errorf("error output %q does not contain %q", c.err.Bytes(), tt.wantErr)
				}
			}
			// Under the kernel everything is frames with valid messages.
			s := frame.NewSplitter(testToken, 0)
			emit := func(p frame.Part) {
				if p.Msg == nil {
					t.Errorf("kernel output has a part that is not a message: %+v", p)
				}
			}
			s.Feed(kernel.out.Bytes(), emit)
			s.Flush(emit)

			var g bytes.Buffer
			g.WriteString("-- kernel --\n")
			g.Write(kernel.out.Bytes())
			g.WriteString("-- text --\n")
			g.Write(text.out.Bytes())
			if kernel.err.Len() > 0 {
				g.WriteString("-- stderr --\n")
				g.Write(kernel.err.Bytes())
			}
			golden(t, filepath.Join("output", tt.name+".golden"), pngPlaceholders(t, g.Bytes(), pngBytes))
		})
	}
}

func TestNewHandleIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewHandle().ID()
		if seen[id] || !strings.HasPrefix(id, "asyncgo-") {
			t.Fatalf("NewHandle gave %q, a repeated or malformed ID", id)
		}
		seen[id] = true
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("bad descriptor") }

func TestInput(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		password bool
		stdin    io.Reader
		want     string
		wantErr  string
		wantOut  string // without the kernel; with it, the output is one input_request frame
	}{
		{"line", "", false, strings.NewReader("Ada\nrest\n"), "Ada", "", "name? "},
		{"crlf", "", false, strings.NewReader("Ada\r\n"), "Ada", "", "name? "},
		{"last line without newline", "", false, strings.NewReader("Ada"), "Ada", "", "name? "},
		{"empty line", "", false, strings.NewReader("\n"), "", "", "name? "},
		{"end of input", "", false, strings.NewReader(""), "", "no input: standard input is at its end", "name? "},
		{"read error", "", false, errReader{}, "", "reading standard input: bad descriptor", "name? "},
		{"kernel", testToken, false, strings.NewReader("Grace\n"), "Grace", "", ""},
		{"kernel password", testToken, true, strings.NewReader("s3cret\n"), "s3cret", "", ""},
		{"kernel without input", testToken, false, strings.NewReader(""), "", "the frontend does not allow input", ""},
		{"kernel password without input", testToken, true, strings.NewReader(""), "", "display: Password: the frontend does not allow input", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(tt.token, tt.stdin)
			got, err := c.d.input("name? ", tt.password)
			if got != tt.want {
				t.Errorf("input = %q, want %q", got, tt.want)
			}
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.token == "" {
				if c.out.String() != tt.wantOut {
					t.Errorf("output %q, want %q", c.out.Bytes(), tt.wantOut)
				}
				return
			}
			var msgs []*frame.Message
			s := frame.NewSplitter(tt.token, 0)
			s.Feed(c.out.Bytes(), func(p frame.Part) { msgs = append(msgs, p.Msg) })
			if len(msgs) != 1 || msgs[0] == nil || msgs[0].Type != frame.TypeInputRequest || msgs[0].Prompt != "name? " || msgs[0].Password != tt.password {
				t.Errorf("output %q, want one input_request frame with the prompt", c.out.Bytes())
			}
		})
	}
}

// TestInputReadsOneLine checks that Input leaves the rest of the input for
// whoever reads next.
func TestInputReadsOneLine(t *testing.T) {
	in := strings.NewReader("one\ntwo\n")
	c := newCapture("", in)
	for _, want := range []string{"one", "two"} {
		if got, err := c.d.input("", false); got != want || err != nil {
			t.Fatalf("input = %q, %v; want %q", got, err, want)
		}
	}
}

// TestConcurrentWritesStayWhole checks that frames written from many
// goroutines through one displayer never interleave.
func TestConcurrentWritesStayWhole(t *testing.T) {
	c := newCapture(testToken, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				c.d.show(frame.TypeDisplayData, "", dataOf(strings.Repeat("x", g*100+i)))
			}
		})
	}
	wg.Wait()
	n := 0
	s := frame.NewSplitter(testToken, 0)
	s.Feed(c.out.Bytes(), func(p frame.Part) {
		if p.Msg == nil {
			t.Fatalf("part is not a message: %+v", p)
		}
		n++
	})
	if n != 8*50 {
		t.Errorf("got %d messages, want %d", n, 8*50)
	}
}

func TestFallbackSizes(t *testing.T) {
	tests := []struct {
		data Data
		want string
	}{
		{NewData("image/png", make([]byte, 999)), "[image/png: 999 B — run in Jupyter with gokernel to see it]"},
		{NewData("image/jpeg", make([]byte, 1000)), "[image/jpeg: 1.0 kB — run in Jupyter with gokernel to see it]"},
		{NewData("image/gif", make([]byte, 12345)), "[image/gif: 12.3 kB — run in Jupyter with gokernel to see it]"},
		{NewData("image/svg+xml", strings.Repeat("s", 2_500_000)), "[image/svg+xml: 2.5 MB — run in Jupyter with gokernel to see it]"},
		{NewData("application/pdf", 3.0), "[application/pdf — run in Jupyter with gokernel to see it]"},
		{Data{MIME: map[string]any{"text/latex": "$x$", "image/svg+xml": "<svg/>"}}, "[image/svg+xml: 6 B — run in Jupyter with gokernel to see it]"},
		{Data{MIME: map[string]any{"text/html": "<b>x</b>", "text/markdown": "**x**"}}, "**x**"},
		{Data{MIME: map[string]any{"application/vnd.x+json": []int{1}}}, "[\n  1\n]"},
		{NewData("text/html", "<p>"+strings.Repeat("word ", 100)+"</p>"), "[text/html: 507 B — run in Jupyter with gokernel to see it]\n" + strings.TrimSpace(strings.Repeat("word ", 40)) + "…"},
		{Data{}, "[no content]"},
	}
	for _, tt := range tests {
		if got := fallbackText(tt.data); got != tt.want {
			t.Errorf("fallbackText(%v) = %q, want %q", tt.data.MIME, got, tt.want)
		}
	}
}

func BenchmarkShow(b *testing.B) {
	for _, token := range []string{testToken, ""} {
		name := "kernel"
		if token == "" {
			name = "text"
		}
		b.Run(name, func(b *testing.B) {
			d := &displayer{out: io.Discard, errw: io.Discard, token: token, outMu: new(sync.Mutex), inMu: new(sync.Mutex)}
			v := point{X: 1, Y: 2, Name: "gopher"}
			for b.Loop() {
				d.show(frame.TypeDisplayData, "", dataOf(v))
			}
		})
	}
}
