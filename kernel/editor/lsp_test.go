package editor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{"one message", "Content-Length: 2\r\n\r\n{}", []string{"{}"}, ""},
		{"two messages", "Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull", []string{"{}", "null"}, ""},
		{"other headers", "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n[]", []string{"[]"}, ""},
		{"non-ASCII body counted in bytes", "Content-Length: 4\r\n\r\n\"é\"Content-Length: 2\r\n\r\n{}", []string{"\"é\"", "{}"}, ""},
		{"no length", "X: 1\r\n\r\n{}", nil, "without a Content-Length"},
		{"bad length", "Content-Length: x\r\n\r\n", nil, "malformed LSP Content-Length"},
		{"short body", "Content-Length: 10\r\n\r\n{}", nil, "unexpected EOF"},
		{"malformed header", "nonsense\r\n\r\n", nil, "malformed LSP header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.in))
			var got []string
			var err error
			for {
				var b []byte
				b, err = readFrame(r)
				if err != nil {
					break
				}
				got = append(got, string(b))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %q, want %q (err %v)", got, tt.want, err)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("message %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
			if tt.wantErr == "" {
				if err != io.EOF {
					t.Errorf("err = %v, want io.EOF after the messages", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestWriteFrameRoundTrip(t *testing.T) {
	for _, body := range []string{"{}", `{"text":"héllo, 世界 🙂"}`, ""} {
		var buf bytes.Buffer
		if err := writeFrame(&buf, []byte(body)); err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(bufio.NewReader(&buf))
		if err != nil || string(got) != body {
			t.Errorf("round trip of %q = %q, %v", body, got, err)
		}
	}
}

// TestConnCall runs a call against a fake server that first asks the
// client for its configuration, then answers.
func TestConnCall(t *testing.T) {
	toServer, serverIn := io.Pipe()
	serverOut, fromServer := io.Pipe()
	c := newConn(serverIn, func(method string, _ json.RawMessage) any {
		if method == "workspace/configuration" {
			return []any{map[string]any{"matcher": "CaseInsensitive"}}
		}
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- c.serve(serverOut) }()

	go func() {
		r := bufio.NewReader(toServer)
		req, _ := readFrame(r)
		var m inbound
		json.Unmarshal(req, &m)
		writeFrame(fromServer, []byte(`{"jsonrpc":"2.0","id":"s1","method":"workspace/configuration","params":{"items":[{}]}}`))
		answer, _ := readFrame(r)
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": json.RawMessage(*m.ID), "result": json.RawMessage(answer)})
		writeFrame(fromServer, body)
		fromServer.Close()
	}()

	var got struct {
		ID     string            `json:"id"`
		Result []json.RawMessage `json:"result"`
	}
	if err := c.call(context.Background(), "test/echo", map[string]any{}, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "s1" || len(got.Result) != 1 || !strings.Contains(string(got.Result[0]), "CaseInsensitive") {
		t.Errorf("the server saw the answer %+v; want the configuration for request s1", got)
	}
	if err := <-done; err == nil {
		t.Error("serve returned nil after the server closed its output")
	}
	if err := c.call(context.Background(), "test/after", nil, nil); err == nil {
		t.Error("a call after the connection closed succeeded")
	}
}

func TestPositions(t *testing.T) {
	src := []byte("package main\nx := \"é世🙂\" + y\n")
	tests := []struct {
		name string
		off  int // byte offset of the position
		u8   position
		u16  position
	}{
		{"start", 0, position{0, 0}, position{0, 0}},
		{"second line", 13, position{1, 0}, position{1, 0}},
		{"after é (2 bytes, 1 unit)", 13 + 8, position{1, 8}, position{1, 7}},
		{"after 世 (3 bytes, 1 unit)", 13 + 11, position{1, 11}, position{1, 8}},
		{"after 🙂 (4 bytes, 2 units)", 13 + 15, position{1, 15}, position{1, 10}},
		{"y", 13 + 19, position{1, 19}, position{1, 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				enc string
				pos position
			}{{encodingUTF8, tt.u8}, {encodingUTF16, tt.u16}} {
				if got := toPosition(src, tt.off, c.enc); got != c.pos {
					t.Errorf("%s: toPosition(%d) = %+v, want %+v", c.enc, tt.off, got, c.pos)
				}
				if got := fromPosition(src, c.pos, c.enc); got != tt.off {
					t.Errorf("%s: fromPosition(%+v) = %d, want %d", c.enc, c.pos, got, tt.off)
				}
			}
		})
	}
	if got := fromPosition(src, position{1, 99}, encodingUTF16); got != len(src)-1 {
		t.Errorf("a character past the line end gives %d, want the line end %d", got, len(src)-1)
	}
}

func TestCodePoints(t *testing.T) {
	s := "aé世🙂b"
	tests := []struct{ points, bytes int }{{0, 0}, {1, 1}, {2, 3}, {3, 6}, {4, 10}, {5, 11}, {9, 11}}
	for _, tt := range tests {
		if got := byteOffset(s, tt.points); got != tt.bytes {
			t.Errorf("byteOffset(%d) = %d, want %d", tt.points, got, tt.bytes)
		}
		if tt.points <= 5 {
			if got := codePoints(s, tt.bytes); got != tt.points {
				t.Errorf("codePoints(%d) = %d, want %d", tt.bytes, got, tt.points)
			}
		}
	}
}
