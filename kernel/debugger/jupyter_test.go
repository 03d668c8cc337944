package debugger_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"asyncgo/kernel/debugger"
)

// The wanted hashes were computed by JupyterLab's own murmur2
// (packages/debugger/src/hash.ts) under node, which names the cell files
// the frontend sets breakpoints on.
func TestMurmur2MatchesJupyterLab(t *testing.T) {
	for _, tc := range []struct {
		code string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"a", 0, 2456313694},
		{"abc", 3339675911, 3350977461},
		{"fmt.Println(\"héllo, 世界\")\n", 3339675911, 1090043518},
		{"x := 1\ny := x + 1", 1, 3496599105},
		{"package main", 0xffffffff, 950541029},
	} {
		if got := debugger.Murmur2([]byte(tc.code), tc.seed); got != tc.want {
			t.Errorf("Murmur2(%q, %d) = %d, want %d", tc.code, tc.seed, got, tc.want)
		}
	}
}

// newIdle returns a frontend whose debugger never starts delve: its dlv
// does not exist.
func newIdle(t *testing.T) *frontend {
	return newFrontend(t, filepath.Join(t.TempDir(), "no-dlv-here"))
}

func TestDumpCellNamesFilesByHash(t *testing.T) {
	f := newIdle(t)
	info := f.request("debugInfo", nil)
	prefix, suffix := info["tmpFilePrefix"].(string), info["tmpFileSuffix"].(string)
	seed := uint32(info["hashSeed"].(float64))
	if info["hashMethod"] != "Murmur2" || suffix != ".go" || !strings.HasSuffix(prefix, string(filepath.Separator)) {
		t.Fatalf("debugInfo = %v, want hashMethod Murmur2, tmpFileSuffix .go and a directory prefix", info)
	}
	paths := map[string]string{}
	for _, code := range []string{"x := 1\n", "x := 2\n", "fmt.Println(\"世界\")\n", ""} {
		p := f.request("dumpCell", map[string]any{"code": code})["sourcePath"].(string)
		// The name JupyterLab computes for the same code.
		want := prefix + strconv.FormatUint(uint64(debugger.Murmur2([]byte(code), seed)), 10) + suffix
		if p != want || p != f.d.CellPath(code) {
			t.Errorf("dumpCell(%q) = %s, want %s", code, p, want)
		}
		if again := f.request("dumpCell", map[string]any{"code": code})["sourcePath"]; again != p {
			t.Errorf("dumpCell(%q) again = %s, want the same %s", code, again, p)
		}
		if other, ok := paths[p]; ok {
			t.Errorf("%q and %q share the file %s", code, other, p)
		}
		paths[p] = code
		b, err := os.ReadFile(p)
		if err != nil || string(b) != code {
			t.Errorf("%s holds %q (%v), want the cell's code %q", p, b, err, code)
		}
		mods := f.request("modules", map[string]any{})["modules"].([]any)
		if !slices.ContainsFunc(mods, func(m any) bool { return m.(map[string]any)["path"] == p }) {
			t.Errorf("modules %v do not list %s", mods, p)
		}
		src := f.request("source", map[string]any{"source": map[string]any{"path": p}})
		if src["content"] != code {
			t.Errorf("source of %s = %q, want %q", p, src["content"], code)
		}
	}
}

func TestDebugInfoKeepsState(t *testing.T) {
	f := newIdle(t)
	if info := f.request("debugInfo", nil); info["isStarted"] != false || len(info["breakpoints"].([]any)) != 0 {
		t.Fatalf("debugInfo before attach = %v, want not started, no breakpoints", info)
	}
	caps := f.request("initialize", map[string]any{"clientID": "test", "adapterID": "go"})
	if caps["supportsConfigurationDoneRequest"] != true {
		t.Errorf("initialize capabilities = %v, want supportsConfigurationDoneRequest", caps)
	}
	f.request("attach", map[string]any{})
	path := f.request("dumpCell", map[string]any{"code": "x := 1\nx++\n"})["sourcePath"].(string)
	bps := []any{map[string]any{"line": 2.0}}
	set := f.request("setBreakpoints", map[string]any{"source": map[string]any{"path": path}, "breakpoints": bps})
	if got := set["breakpoints"].([]any); len(got) != 1 || got[0].(map[string]any)["line"] != 2.0 ||
		!jsonEqual(got[0].(map[string]any)["source"], map[string]any{"path": path}) {
		t.Errorf("setBreakpoints reply = %v, want the breakpoint on line 2 of %s", set, path)
	}
	f.request("configurationDone", nil)
	if !f.d.Started() || !f.d.HasBreakpoints() {
		t.Errorf("after attach and setBreakpoints: Started %v, HasBreakpoints %v; want both", f.d.Started(), f.d.HasBreakpoints())
	}

	// A reconnecting frontend reads the state back.
	info := f.request("debugInfo", nil)
	want := []any{map[string]any{"source": path, "breakpoints": bps}}
	if info["isStarted"] != true || !jsonEqual(info["breakpoints"], want) || len(info["stoppedThreads"].([]any)) != 0 {
		t.Errorf("debugInfo after setBreakpoints = %v, want started with breakpoints %v", info, want)
	}
	if vars := f.request("inspectVariables", nil)["variables"].([]any); len(vars) != 0 {
		t.Errorf("inspectVariables with nothing stopped = %v, want none", vars)
	}
	if threads := f.request("threads", nil)["threads"].([]any); len(threads) != 0 {
		t.Errorf("threads with nothing running = %v, want none", threads)
	}

	f.request("disconnect", map[string]any{})
	if info := f.request("debugInfo", nil); info["isStarted"] != false || len(info["breakpoints"].([]any)) != 0 {
		t.Errorf("debugInfo after disconnect = %v, want not started, no breakpoints", info)
	}
}

func TestBadRequestsSayWhatToDo(t *testing.T) {
	f := newIdle(t)
	for _, tc := range []struct {
		command string
		args    any
		want    string
	}{
		{"dumpCell", map[string]any{}, "code"},
		{"source", map[string]any{"source": map[string]any{}}, "path"},
		{"source", map[string]any{"source": map[string]any{"path": "/no/such/cell.go"}}, "no such file"},
		{"setBreakpoints", map[string]any{}, "source"},
		{"stackTrace", map[string]any{"threadId": 1}, "run a cell first"},
		{"continue", map[string]any{"threadId": 1}, "run a cell first"},
		{"richInspectVariables", map[string]any{"variableName": "x"}, "richRendering"},
	} {
		m := f.try(tc.command, tc.args)
		if m.Success || !strings.Contains(m.Message, tc.want) {
			t.Errorf("%s %v: success %v, message %q; want a failure mentioning %q", tc.command, tc.args, m.Success, m.Message, tc.want)
		}
	}
	var m debugger.Message
	json.Unmarshal(f.d.Handle(t.Context(), []byte(`{"type":"event"}`)), &m)
	if m.Type != "response" || m.Success || !strings.Contains(m.Message, "DAP request") {
		t.Errorf("reply to a non-request = %+v, want a failed response saying a request is needed", m)
	}
}

func TestRunWithoutDlvFails(t *testing.T) {
	f := newIdle(t)
	_, err := f.d.Run(t.Context(), debugger.Program{Path: "/bin/true"})
	if err == nil || !strings.Contains(err.Error(), "no-dlv-here") {
		t.Errorf("Run with a missing dlv: %v, want an error naming it", err)
	}
}

func TestNewChecksTheCellDirectory(t *testing.T) {
	for _, dir := range []string{"", "relative/dir", filepath.Join(t.TempDir(), "missing"), "/tmp/a:b"} {
		if _, err := debugger.New(debugger.Config{Dlv: "dlv", Dir: dir}); err == nil {
			t.Errorf("New with cell directory %q succeeded, want an error", dir)
		}
	}
}

func TestMessageFraming(t *testing.T) {
	var buf bytes.Buffer
	msgs := []*debugger.Message{
		{Seq: 1, Type: "request", Command: "threads"},
		{Seq: 2, Type: "response", Command: "threads", RequestSeq: 1, Success: false, Message: "no"},
		{Seq: 3, Type: "event", Event: "stopped", Body: json.RawMessage(`{"threadId":1,"text":"ünïcode"}`)},
	}
	for _, m := range msgs {
		if err := debugger.WriteMessage(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(buf.String(), "Content-Length: ") || strings.Count(buf.String(), `"success"`) != 1 {
		t.Errorf("framed messages %q: want Content-Length headers and success only in the response", buf.String())
	}
	r := bufio.NewReader(&buf)
	for _, want := range msgs {
		got, err := debugger.ReadMessage(r)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(got, want) {
			t.Errorf("read %+v, want %+v", got, want)
		}
	}
	if _, err := debugger.ReadMessage(r); err != io.EOF {
		t.Errorf("reading past the end: %v, want io.EOF", err)
	}
	for _, bad := range []string{"Content-Length: x\r\n\r\n{}", "Content-Length: 10\r\n\r\n{}", "Content-Length: 2\r\n\r\n{x"} {
		if _, err := debugger.ReadMessage(bufio.NewReader(strings.NewReader(bad))); err == nil || err == io.EOF {
			t.Errorf("ReadMessage(%q) = %v, want an error", bad, err)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestFindDlvLooksWhereGoInstallPuts(t *testing.T) {
	gopath := t.TempDir()
	bin := filepath.Join(gopath, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(goCommand(t))) // a PATH without dlv
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", gopath)
	if p, err := debugger.FindDlv(""); err == nil || !strings.Contains(err.Error(), debugger.InstallCommand) {
		t.Errorf("FindDlv with no dlv = %q, %v; want an error saying %q", p, err, debugger.InstallCommand)
	}
	want := filepath.Join(bin, "dlv")
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := debugger.FindDlv(""); p != want || err != nil {
		t.Errorf("FindDlv = %q, %v; want %s", p, err, want)
	}
}

// goCommand returns the go command the tests run with.
func goCommand(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	return p
}
