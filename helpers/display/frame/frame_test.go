package frame_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncgo/helpers/display/frame"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const token = "T0k3n"

var pngHeader = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
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
		t.Errorf("output differs from %s (run go test -update if the change is intended)\ngot:\n%q\nwant:\n%q", path, got, want)
	}
}

func TestAppendGolden(t *testing.T) {
	msgs := []*frame.Message{
		{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": "hello\nworld", "text/html": "<b>a & b</b>"}},
		{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": b64(pngHeader)}, Metadata: map[string]any{"image/png": map[string]any{"width": 200}}, DisplayID: "d1"},
		{Type: frame.TypeUpdateDisplayData, Data: map[string]any{"text/plain": "50%\x1e"}, DisplayID: "d1"},
		{Type: frame.TypeExecuteResult, Data: map[string]any{"text/plain": "42", "application/json": []int{4, 2}}},
		{Type: frame.TypeClearOutput, Wait: true},
		{Type: frame.TypeInputRequest, Prompt: "name? ", Password: true},
	}
	var out []byte
	for _, m := range msgs {
		var err error
		out, err = frame.Append(out, token, m)
		if err != nil {
			t.Fatalf("Append(%+v): %v", m, err)
		}
	}
	if n := bytes.Count(out, []byte("\n")); n != len(msgs) {
		t.Errorf("%d messages gave %d lines; want one line each", len(msgs), n)
	}
	golden(t, "append.golden", out)

	// What Append writes, a Splitter reads back.
	var got []*frame.Message
	s := frame.NewSplitter(token, 0)
	s.Feed(out, func(p frame.Part) {
		if p.Msg == nil {
			t.Fatalf("part %+v is not a message", p)
		}
		got = append(got, p.Msg)
	})
	if len(got) != len(msgs) {
		t.Fatalf("read back %d messages, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		if a, b := jsonOf(t, got[i]), jsonOf(t, msgs[i]); a != b {
			t.Errorf("message %d read back as %s, want %s", i, a, b)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppendErrors(t *testing.T) {
	ok := &frame.Message{Type: frame.TypeClearOutput}
	tests := []struct {
		name  string
		token string
		msg   *frame.Message
		want  string
	}{
		{"empty token", "", ok, "token is empty"},
		{"token with space", "a b", ok, "token contains the byte ' '"},
		{"token with newline", "a\nb", ok, `token contains the byte '\n'`},
		{"token with mark", "a\x1eb", ok, `token contains the byte '\x1e'`},
		{"invalid message", token, &frame.Message{Type: "show"}, `type "show" is unknown`},
		{"not encodable", token, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"application/json": math.NaN()}}, "cannot encode display_data message as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("before")
			got, err := frame.Append(dst, tt.token, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if string(got) != "before" {
				t.Errorf("dst changed to %q on error", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	text := map[string]any{"text/plain": "x"}
	tests := []struct {
		name string
		msg  *frame.Message
		want []string // substrings of the error; none for a valid message
	}{
		{"display", &frame.Message{Type: frame.TypeDisplayData, Data: text}, nil},
		{"display with id and metadata", &frame.Message{Type: frame.TypeDisplayData, Data: text, DisplayID: "p", Metadata: map[string]any{"isolated": true}}, nil},
		{"update", &frame.Message{Type: frame.TypeUpdateDisplayData, Data: text, DisplayID: "p"}, nil},
		{"result", &frame.Message{Type: frame.TypeExecuteResult, Data: text}, nil},
		{"clear", &frame.Message{Type: frame.TypeClearOutput, Wait: true}, nil},
		{"input", &frame.Message{Type: frame.TypeInputRequest, Prompt: "?"}, nil},
		{"json any value", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"application/json": []any{1.0}, "application/vnd.x+json": map[string]any{}}}, nil},
		{"png", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": b64(pngHeader)}}, nil},
		{"jpeg with line breaks", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/jpeg": "/9j/\n4AAQ"}}, nil},
		{"svg", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/svg+xml": "<svg/>"}}, nil},

		{"nil", nil, []string{"message is nil"}},
		{"no type", &frame.Message{}, []string{"message has no type"}},
		{"unknown type", &frame.Message{Type: "stream"}, []string{`type "stream" is unknown`, "display_data"}},
		{"display without data", &frame.Message{Type: frame.TypeDisplayData}, []string{"display_data has no data"}},
		{"update without id", &frame.Message{Type: frame.TypeUpdateDisplayData, Data: text}, []string{"update_display_data has no display_id"}},
		{"result with id", &frame.Message{Type: frame.TypeExecuteResult, Data: text, DisplayID: "p"}, []string{"execute_result cannot have a display_id"}},
		{"display with wait", &frame.Message{Type: frame.TypeDisplayData, Data: text, Wait: true}, []string{"cannot have wait"}},
		{"display with prompt", &frame.Message{Type: frame.TypeDisplayData, Data: text, Prompt: "?"}, []string{"cannot have prompt"}},
		{"clear with data", &frame.Message{Type: frame.TypeClearOutput, Data: text}, []string{"clear_output cannot have data"}},
		{"clear with id", &frame.Message{Type: frame.TypeClearOutput, DisplayID: "p"}, []string{"clear_output cannot have a display_id"}},
		{"input with wait", &frame.Message{Type: frame.TypeInputRequest, Wait: true}, []string{"input_request cannot have wait"}},
		{"not a mime type", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"html": "<b/>"}}, []string{`"html" is not a MIME type`}},
		{"text not string", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": 42.0}}, []string{"text/plain content must be a string, not float64"}},
		{"image bytes", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": []byte(pngHeader)}}, []string{"image/png content must be a string, not []byte (encode it as base64; display.NewData does)"}},
		{"svg null", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/svg+xml": nil}}, []string{"image/svg+xml content must be a string, not null"}},
		{"bad base64", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": "iVBOR*"}}, []string{"image/png content must be base64"}},
		{"not a png", &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": b64("GIF89a")}}, []string{"not a png image", `starts with "GIF89a"`}},
		{"several problems", &frame.Message{Type: frame.TypeUpdateDisplayData, Data: map[string]any{"text/html": 1.0, "image/gif": "%"}}, []string{"no display_id", "image/gif content must be base64", "text/html content must be a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCheckToken(t *testing.T) {
	for _, tok := range []string{"a", "9f86d081884c7d65", "A-b_c.1"} {
		if err := frame.CheckToken(tok); err != nil {
			t.Errorf("CheckToken(%q) = %v, want nil", tok, err)
		}
	}
	for _, tok := range []string{"", " ", "a\tb", "a\rb", "\x1e"} {
		if err := frame.CheckToken(tok); err == nil {
			t.Errorf("CheckToken(%q) = nil, want an error", tok)
		}
	}
}

func TestNewSplitterPanicsOnBadToken(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("NewSplitter(\"\", 0) did not panic")
		}
	}()
	frame.NewSplitter("", 0)
}

// mustFrame returns the frame for m.
func mustFrame(t testing.TB, tok string, m *frame.Message) string {
	b, err := frame.Append(nil, tok, m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// describeParts renders parts as strings, joining consecutive text:
// "T:text", "M:json" or "E:error".
func describeParts(parts []frame.Part) []string {
	var out []string
	for _, p := range parts {
		set := 0
		var s string
		if p.Text != nil {
			set++
			s = "T:" + string(p.Text)
		}
		if p.Msg != nil {
			set++
			b, _ := json.Marshal(p.Msg)
			s = "M:" + string(b)
		}
		if p.Err != nil {
			set++
			s = "E:" + p.Err.Error()
		}
		if set != 1 {
			s = fmt.Sprintf("BAD PART with %d fields set: %+v", set, p)
		}
		if strings.HasPrefix(s, "T:") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "T:") {
			out[len(out)-1] += s[2:]
			continue
		}
		out = append(out, s)
	}
	return out
}

// split feeds chunks to a new Splitter and returns the parts.
func split(tok string, max int, chunks ...[]byte) []string {
	s := frame.NewSplitter(tok, max)
	var parts []frame.Part
	emit := func(p frame.Part) {
		if p.Text != nil && len(p.Text) == 0 {
			p.Text = []byte("EMPTY TEXT PART")
		}
		parts = append(parts, p)
	}
	for _, c := range chunks {
		s.Feed(c, emit)
	}
	s.Flush(emit)
	return describeParts(parts)
}

func TestSplitter(t *testing.T) {
	show := &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": "hi"}}
	f := mustFrame(t, token, show)
	m := "M:" + jsonOf(t, show)
	clear := mustFrame(t, token, &frame.Message{Type: frame.TypeClearOutput})
	mc := `M:{"type":"clear_output"}`
	other := mustFrame(t, "T0k3m", show) // same length, wrong token
	longer := mustFrame(t, token+"x", show)
	const max = 200
	big := mustFrame(t, token, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": strings.Repeat("x", max)}})
	exact := mustFrame(t, token, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": strings.Repeat("y", max-len(f)+2)}})
	tests := []struct {
		name string
		in   string
		want []string // E: entries are matched as substrings
	}{
		{"empty", "", nil},
		{"text", "hello\nworld", []string{"T:hello\nworld"}},
		{"frame", f, []string{m}},
		{"text around frame", "a\n" + f + "b", []string{"T:a\n", m, "T:b"}},
		{"text without newline before frame", "progress: " + f + "done\n", []string{"T:progress: ", m, "T:done\n"}},
		{"frames back to back", f + clear + f, []string{m, mc, m}},
		{"lone mark", "a\x1eb", []string{"T:a\x1eb"}},
		{"mark at end", "a\x1e", []string{"T:a\x1e"}},
		{"marks", "\x1e\x1e" + f + "\x1e", []string{"T:\x1e\x1e", m, "T:\x1e"}},
		{"prefix without token", "\x1egokernel:", []string{"T:\x1egokernel:"}},
		{"other token", other + f, []string{"T:" + other, m}},
		{"longer token", longer, []string{"T:" + longer}},
		{"token without space", "\x1egokernel:" + token + "{}\n", []string{"T:\x1egokernel:" + token + "{}\n"}},
		{"mark inside header", "\x1egoker\x1egokernel:" + token + " " + f[len(frame.Prefix)+len(token)+1:], []string{"T:\x1egoker", m}},
		{"unfinished frame", "a" + f[:len(f)-1], []string{"T:a" + f[:len(f)-1]}},
		{"malformed json", frame.Prefix + token + " {\"type\":\n", []string{"E:malformed JSON"}},
		{"unknown field", frame.Prefix + token + " {\"type\":\"clear_output\",\"color\":1}\nz", []string{`E:unknown field "color"`, "T:z"}},
		{"trailing data", frame.Prefix + token + " {\"type\":\"clear_output\"}}\n", []string{"E:unexpected data after the JSON message"}},
		{"invalid message", frame.Prefix + token + " {\"type\":\"update_display_data\",\"data\":{\"text/plain\":\"x\"}}\n", []string{"E:update_display_data has no display_id"}},
		{"too long", "a" + big + "b" + f, []string{"T:a", "E:longer than the limit of 200 bytes", "T:b", m}},
		{"too long unfinished", "a" + big[:len(big)-1], []string{"T:a", "E:longer than the limit"}},
		{"exactly the limit", exact, []string{"M:" + jsonOf(t, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": strings.Repeat("y", max-len(f)+2)}})}},
	}
	if len(exact) != max {
		t.Fatalf("test setup: exact frame has %d bytes, want %d", len(exact), max)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			check := func(how string, got []string) {
				t.Helper()
				if !partsMatch(got, tt.want) {
					t.Fatalf("%s: parts\n%q\nwant\n%q", how, got, tt.want)
				}
			}
			check("one chunk", split(token, max, in))
			for i := 0; i <= len(in); i++ {
				for j := i; j <= len(in); j++ {
					check(fmt.Sprintf("chunks split at %d and %d", i, j), split(token, max, in[:i], in[i:j], in[j:]))
				}
			}
			var bytewise [][]byte
			for i := range in {
				bytewise = append(bytewise, in[i:i+1])
			}
			check("byte by byte", split(token, max, bytewise...))
		})
	}
}

func partsMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if strings.HasPrefix(want[i], "E:") {
			if !strings.HasPrefix(got[i], "E:") || !strings.Contains(got[i], want[i][2:]) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestSplitterEmitsTextEarly checks that text is passed on before a newline
// or the end of the stream, and only a possible frame start is held back.
func TestSplitterEmitsTextEarly(t *testing.T) {
	tests := []struct {
		feed string
		want string // text emitted by Feed alone
	}{
		{"50% done", "50% done"},
		{"abc\x1egokern", "abc"},
		{"abc\x1egokernel:" + token, "abc"},
		{"abc\x1egokernel:" + token + " {\"type\"", "abc"},
		{"abc\x1egokernel:X", "abc\x1egokernel:X"},
		{"\x1e\x1e", "\x1e"},
	}
	for _, tt := range tests {
		s := frame.NewSplitter(token, 0)
		var got []byte
		s.Feed([]byte(tt.feed), func(p frame.Part) { got = append(got, p.Text...) })
		if string(got) != tt.want {
			t.Errorf("Feed(%q) emitted %q, want %q", tt.feed, got, tt.want)
		}
	}
}

func FuzzSplitter(f *testing.F) {
	show := mustFrame(f, token, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": "hi"}, DisplayID: "x"})
	f.Add([]byte("plain text\n"), uint64(7))
	f.Add([]byte(show), uint64(3))
	f.Add([]byte("a\x1e\x1egokernel:"+token+" {}\n"+show+"tail\x1egok"), uint64(12345))
	f.Add([]byte(show+show[:20]+show), uint64(99))
	f.Add([]byte("\x1egokernel:"+token+" "+strings.Repeat("z", 100)+"\n"+show), uint64(1))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		want := split(token, 100, in)
		// Cut the input at points derived from seed.
		var chunks [][]byte
		rest := in
		for x := seed | 1; len(rest) > 0; x = x*6364136223846793005 + 1442695040888963407 {
			n := int(x>>59) % (len(rest) + 1)
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		got := split(token, 100, chunks...)
		if !partsMatch(got, want) {
			t.Fatalf("chunks %q gave\n%q\nwhole input gave\n%q", chunks, got, want)
		}
		// Text and frames together account for the input, unless a frame
		// was too long and dropped.
		var text int
		for _, p := range got {
			if strings.HasPrefix(p, "T:") {
				text += len(p) - 2
			}
		}
		if text > len(in) {
			t.Fatalf("%d bytes of text from %d bytes of input", text, len(in))
		}
	})
}

func BenchmarkSplitterText(b *testing.B) {
	line := []byte(strings.Repeat("all work and no play makes jack a dull boy ", 2) + "\n")
	chunk := bytes.Repeat(line, 32<<10/len(line))
	s := frame.NewSplitter(token, 0)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		s.Feed(chunk, func(frame.Part) {})
	}
}

func BenchmarkSplitterFrames(b *testing.B) {
	img := make([]byte, 256<<10)
	for i := range img {
		img[i] = byte(i * 7)
	}
	copy(img, pngHeader)
	f := []byte(mustFrame(b, token, &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"image/png": base64.StdEncoding.EncodeToString(img)}}))
	s := frame.NewSplitter(token, 0)
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		for c := f; len(c) > 0; {
			n := min(len(c), 64<<10) // pipe-sized reads
			s.Feed(c[:n], func(p frame.Part) {
				if p.Msg == nil {
					b.Fatal("no message")
				}
			})
			c = c[n:]
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	m := &frame.Message{Type: frame.TypeDisplayData, Data: map[string]any{"text/plain": "step 10 of 100", "text/html": "<progress value=10 max=100></progress>"}, DisplayID: "progress"}
	var buf []byte
	for b.Loop() {
		buf, _ = frame.Append(buf[:0], token, m)
	}
	b.SetBytes(int64(len(buf)))
}
