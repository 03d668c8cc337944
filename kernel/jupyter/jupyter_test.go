package jupyter_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/jupyter"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func validInfo() jupyter.ConnectionInfo {
	return jupyter.ConnectionInfo{
		Transport: "tcp", IP: "127.0.0.1",
		ShellPort: 5001, ControlPort: 5002, IOPubPort: 5003, StdinPort: 5004, HBPort: 5005,
		SignatureScheme: "hmac-sha256", Key: "secret",
	}
}

func TestReadConnectionFile(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*jupyter.ConnectionInfo)
		wantErr string // substring; empty means valid
	}{
		{"valid tcp", func(*jupyter.ConnectionInfo) {}, ""},
		{"valid ipc", func(c *jupyter.ConnectionInfo) { c.Transport = "ipc"; c.IP = "/tmp/k" }, ""},
		{"no key no scheme", func(c *jupyter.ConnectionInfo) { c.Key = ""; c.SignatureScheme = "" }, ""},
		{"udp", func(c *jupyter.ConnectionInfo) { c.Transport = "udp" }, `transport "udp"`},
		{"empty ip", func(c *jupyter.ConnectionInfo) { c.IP = "" }, `"ip" is empty`},
		{"zero port", func(c *jupyter.ConnectionInfo) { c.HBPort = 0 }, "hb_port is 0"},
		{"big port", func(c *jupyter.ConnectionInfo) { c.ShellPort = 70000 }, "shell_port is 70000"},
		{"same port", func(c *jupyter.ConnectionInfo) { c.StdinPort = c.ShellPort }, "shell_port and stdin_port are both 5001"},
		{"sha1", func(c *jupyter.ConnectionInfo) { c.SignatureScheme = "hmac-sha1" }, `signature_scheme "hmac-sha1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := validInfo()
			tt.edit(&info)
			path := filepath.Join(t.TempDir(), "kernel.json")
			if err := info.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			got, err := jupyter.ReadConnectionFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ReadConnectionFile: %v", err)
				}
				if got != info {
					t.Fatalf("read %+v, wrote %+v", got, info)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadConnectionFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := jupyter.ReadConnectionFile(path); err == nil {
			t.Errorf("ReadConnectionFile(%s) succeeded", path)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		info jupyter.ConnectionInfo
		port int
		want string
	}{
		{jupyter.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}, 5555, "tcp://127.0.0.1:5555"},
		{jupyter.ConnectionInfo{Transport: "tcp", IP: "::1"}, 5555, "tcp://[::1]:5555"},
		{jupyter.ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel-abc"}, 3, "ipc:///tmp/kernel-abc-3"},
	}
	for _, tt := range tests {
		if got := tt.info.Endpoint(tt.port); got != tt.want {
			t.Errorf("Endpoint(%d) = %q, want %q", tt.port, got, tt.want)
		}
	}
}

func TestNewConnectionInfo(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			info, err := jupyter.NewConnectionInfo(transport)
			if err != nil {
				t.Fatal(err)
			}
			if transport == "ipc" {
				t.Cleanup(func() { os.RemoveAll(filepath.Dir(info.IP)) })
			}
			if err := info.Validate(); err != nil {
				t.Fatalf("new info is invalid: %v", err)
			}
			if len(info.Key) != 64 || info.SignatureScheme != "hmac-sha256" {
				t.Errorf("key %q scheme %q, want 64 hex digits and hmac-sha256", info.Key, info.SignatureScheme)
			}
			other, err := jupyter.NewConnectionInfo(transport)
			if err != nil {
				t.Fatal(err)
			}
			if transport == "ipc" {
				t.Cleanup(func() { os.RemoveAll(filepath.Dir(other.IP)) })
			}
			if other.Key == info.Key || (transport == "ipc" && other.IP == info.IP) {
				t.Errorf("two calls returned the same key or ipc path")
			}
		})
	}
	if _, err := jupyter.NewConnectionInfo("udp"); err == nil {
		t.Error("NewConnectionInfo(udp) succeeded")
	}
}

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewMessage(t *testing.T) {
	parent, err := jupyter.NewMessage("s1", "alice", jupyter.ExecuteRequest, nil, map[string]any{"code": "1"})
	if err != nil {
		t.Fatal(err)
	}
	parent.Identities = [][]byte{[]byte("peer")}
	if !uuid4.MatchString(parent.Header.MsgID) {
		t.Errorf("msg_id %q is not a uuid4", parent.Header.MsgID)
	}
	if parent.ParentHeader != nil || parent.Header.Version != "5.4" || parent.Header.Session != "s1" || parent.Header.Username != "alice" {
		t.Errorf("header %+v, parent %v", parent.Header, parent.ParentHeader)
	}
	date, err := time.Parse(time.RFC3339Nano, parent.Header.Date)
	if err != nil || date.Location() != time.UTC || !strings.HasSuffix(parent.Header.Date, "Z") || len(parent.Header.Date) != len("2006-01-02T15:04:05.000000Z") {
		t.Errorf("date %q: want RFC 3339 UTC with microseconds (%v)", parent.Header.Date, err)
	}
	reply, err := jupyter.NewMessage("s2", "kernel", jupyter.ExecuteReply, parent, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reply.ParentHeader == nil || *reply.ParentHeader != parent.Header {
		t.Errorf("reply parent = %+v, want %+v", reply.ParentHeader, parent.Header)
	}
	if !reflect.DeepEqual(reply.Identities, parent.Identities) {
		t.Errorf("reply identities = %q, want %q", reply.Identities, parent.Identities)
	}
	reply.Identities[0][0] = 'X'
	if string(parent.Identities[0]) != "peer" {
		t.Error("reply shares identity memory with its parent")
	}
	if string(reply.Content) != "{}" {
		t.Errorf("nil content = %s, want {}", reply.Content)
	}
	if reply.Header.MsgID == parent.Header.MsgID {
		t.Error("two messages share a msg_id")
	}
	var content struct{ Code string }
	if err := parent.Decode(&content); err != nil || content.Code != "1" {
		t.Errorf("Decode = %+v, %v", content, err)
	}
	if err := parent.Decode(new(int)); err == nil || !strings.Contains(err.Error(), "execute_request") {
		t.Errorf("Decode into int: %v, want an error naming execute_request", err)
	}
	if _, err := jupyter.NewMessage("s", "u", "x", nil, func() {}); err == nil {
		t.Error("NewMessage with unencodable content succeeded")
	}
}

// fixedMessage is a message with deterministic header values, for golden output.
func fixedMessage() *jupyter.Message {
	return &jupyter.Message{
		Identities:   [][]byte{[]byte("client-1")},
		Header:       jupyter.Header{MsgID: "m-2", Session: "kernel-session", Username: "kernel", Date: "2024-01-02T03:04:05.000006Z", MsgType: "execute_reply", Version: "5.4"},
		ParentHeader: &jupyter.Header{MsgID: "m-1", Session: "client-session", Username: "alice", Date: "2024-01-02T03:04:05.000000Z", MsgType: "execute_request", Version: "5.4"},
		Metadata:     map[string]any{"started": "2024-01-02T03:04:05.000001Z"},
		Content:      json.RawMessage(`{"status":"ok","execution_count":1}`),
		Buffers:      [][]byte{{0, 1, 2}},
	}
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct{ name, key string }{{"signed", "secret-key"}, {"unsigned", ""}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jupyter.NewSigner("hmac-sha256", tt.key)
			if err != nil {
				t.Fatal(err)
			}
			frames, err := s.Encode(fixedMessage())
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for i, f := range frames {
				b, _ := json.Marshal(string(f))
				got.WriteString("frame ")
				got.WriteString(string(rune('0' + i)))
				got.WriteString(": ")
				got.Write(b)
				got.WriteByte('\n')
			}
			golden := filepath.Join("testdata", "encode-"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("encoded frames differ from %s:\n%s\nwant:\n%s", golden, got.Bytes(), want)
			}
		})
	}
}

func TestSignerRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  *jupyter.Message
	}{
		{"full", fixedMessage()},
		{"no parent, identities, metadata or buffers", &jupyter.Message{Header: jupyter.Header{MsgID: "x", MsgType: "status"}, Content: json.RawMessage(`{"execution_state":"idle"}`)}},
		{"several identities", &jupyter.Message{Identities: [][]byte{[]byte("a"), []byte("b")}, Header: jupyter.Header{MsgID: "y"}, Content: json.RawMessage(`{}`)}},
	}
	for _, key := range []string{"k", ""} {
		s, err := jupyter.NewSigner("hmac-sha256", key)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name+"/key="+key, func(t *testing.T) {
				frames, err := s.Encode(tt.msg)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Decode(frames)
				if err != nil {
					t.Fatal(err)
				}
				want := *tt.msg
				if want.Metadata == nil {
					want.Metadata = map[string]any{}
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("round trip:\n got %+v\nwant %+v", got, &want)
				}
			})
		}
	}
}

func TestNewSignerScheme(t *testing.T) {
	if _, err := jupyter.NewSigner("hmac-md5", "k"); err == nil {
		t.Error("NewSigner accepted hmac-md5")
	}
	if _, err := jupyter.NewSigner("", ""); err != nil {
		t.Errorf("NewSigner without key: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	s, _ := jupyter.NewSigner("hmac-sha256", "secret-key")
	good, err := s.Encode(fixedMessage())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := jupyter.NewSigner("hmac-sha256", "other-key")
	forged, _ := other.Encode(fixedMessage())
	with := func(i int, v string) [][]byte {
		f := append([][]byte(nil), good...)
		f[i] = []byte(v)
		return f
	}
	tests := []struct {
		name    string
		frames  [][]byte
		wantIs  error
		wantSub string
	}{
		{"no frames", nil, jupyter.ErrNoDelimiter, ""},
		{"no delimiter", [][]byte{[]byte("a"), []byte("b")}, jupyter.ErrNoDelimiter, ""},
		{"short", good[:5], jupyter.ErrShortMessage, ""},
		{"other key", forged, jupyter.ErrBadSignature, ""},
		{"altered content", with(6, `{"status":"error"}`), jupyter.ErrBadSignature, ""},
		{"empty signature", with(2, ""), jupyter.ErrBadSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Decode(tt.frames)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("Decode error = %v, want %v", err, tt.wantIs)
			}
		})
	}
	// Bad JSON with a valid signature: only reachable without a key or by the key holder.
	unsigned, _ := jupyter.NewSigner("", "")
	base, _ := unsigned.Encode(fixedMessage())
	for i, name := range map[int]string{3: "header", 4: "parent header", 5: "metadata", 6: "content"} {
		f := append([][]byte(nil), base...)
		f[i] = []byte("{oops")
		if _, err := unsigned.Decode(f); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad %s JSON: error %v, want one naming %q", name, err, name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := jupyter.NewSigner("", "")
	seed, _ := s.Encode(fixedMessage())
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0}) }
	f.Add(join(seed))
	f.Add(join(seed[1:]))
	f.Add([]byte("<IDS|MSG>"))
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"))
	f.Add([]byte("<IDS|MSG>\x00\x00null\x00null\x00null\x00null"))
	f.Add([]byte("<IDS|MSG>\x00\x00{\"msg_id\":1}\x00{}\x00[]\x00{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte{0})
		m, err := s.Decode(frames)
		if err != nil {
			return
		}
		again, err := s.Encode(m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		m2, err := s.Decode(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if m2.Header != m.Header || !reflect.DeepEqual(m2.ParentHeader, m.ParentHeader) || !bytes.Equal(m2.Content, m.Content) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
	})
}
