package display

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"asyncgo/helpers/display/frame"
)

// buildCellProgram builds testdata/cellprog, a program that uses the
// package as a notebook cell does.
func buildCellProgram(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to build the test program: %v", err)
	}
	exe := filepath.Join(t.TempDir(), "cellprog")
	out, err := exec.Command(goCmd, "build", "-o", exe, "./testdata/cellprog").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./testdata/cellprog: %v\n%s", err, out)
	}
	return exe
}

// runCellProgram runs the program in the given mode with token (none if
// empty) and stdin, and returns its standard output and error.
func runCellProgram(t *testing.T, exe, mode, token, stdin string) (stdout, stderr []byte) {
	t.Helper()
	cmd := exec.Command(exe, mode)
	cmd.Env = append(os.Environ(), frame.TokenEnv+"="+token)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", exe, mode, err, errOut.Bytes())
	}
	return out.Bytes(), errOut.Bytes()
}

// parts splits a kernel-mode output into readable lines: "text: ..." and
// "msg: {json}"; an error part fails the test.
func parts(t *testing.T, token string, out []byte) []string {
	t.Helper()
	var lines []string
	var text []byte
	flushText := func() {
		if len(text) > 0 {
			lines = append(lines, "text: "+strconv.Quote(string(text)))
			text = nil
		}
	}
	emit := func(p frame.Part) {
		switch {
		case p.Err != nil:
			t.Errorf("error part: %v", p.Err)
		case p.Msg != nil:
			flushText()
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(p.Msg)
			lines = append(lines, "msg: "+strings.TrimSpace(b.String()))
		default:
			text = append(text, p.Text...)
		}
	}
	s := frame.NewSplitter(token, 0)
	s.Feed(out, emit)
	s.Flush(emit)
	flushText()
	return lines
}

// TestProgram runs a real program under a kernel-like environment and
// outside it, and checks its output against golden files.
func TestProgram(t *testing.T) {
	exe := buildCellProgram(t)
	out, errOut := runCellProgram(t, exe, "demo", testToken, "")
	var g bytes.Buffer
	g.WriteString(strings.Join(parts(t, testToken, out), "\n"))
	g.WriteString("\n-- stderr --\n")
	g.Write(errOut)
	golden(t, "program_kernel.golden", g.Bytes())

	out, errOut = runCellProgram(t, exe, "demo", "", "")
	g.Reset()
	g.Write(out)
	g.WriteString("-- stderr --\n")
	g.Write(errOut)
	golden(t, "program_text.golden", g.Bytes())
	if bytes.IndexByte(out, frame.Mark) >= 0 {
		t.Errorf("output without a token contains a frame:\n%q", out)
	}
}

// TestProgramConcurrent checks that prints and displays from several
// goroutines reach the kernel whole and, per goroutine, in program order.
func TestProgramConcurrent(t *testing.T) {
	exe := buildCellProgram(t)
	out, _ := runCellProgram(t, exe, "concurrent", testToken, "")
	next := map[string]int{}
	check := func(line, kind string) {
		g, n, ok := strings.Cut(line, " ")
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("%s %q is not a numbered line", kind, line)
		}
		if i != next[g] {
			t.Fatalf("%s %q: want %s %d next", kind, line, g, next[g])
		}
		if wantPrint := i%2 == 0; wantPrint != (kind == "print") {
			t.Fatalf("line %q arrived as a %s", line, kind)
		}
		next[g]++
	}
	var text []byte
	emit := func(p frame.Part) {
		switch {
		case p.Err != nil:
			t.Fatalf("error part: %v", p.Err)
		case p.Msg != nil:
			s, _ := p.Msg.Data["text/plain"].(string)
			check(s, "display")
		default:
			// Each print is one whole line, so complete lines can be
			// checked as soon as they arrive.
			text = append(text, p.Text...)
			for {
				i := bytes.IndexByte(text, '\n')
				if i < 0 {
					break
				}
				check(string(text[:i]), "print")
				text = text[i+1:]
			}
		}
	}
	s := frame.NewSplitter(testToken, 0)
	// Feed in odd-sized chunks, as pipe reads would deliver it.
	for c := out; len(c) > 0; {
		n := min(len(c), 4093)
		s.Feed(c[:n], emit)
		c = c[n:]
	}
	s.Flush(emit)
	if len(text) > 0 {
		t.Errorf("unfinished text %q", text)
	}
	if len(next) != 4 {
		t.Errorf("lines from %d goroutines, want 4", len(next))
	}
	for g, n := range next {
		if n != 100 {
			t.Errorf("%s: %d lines, want 100", g, n)
		}
	}
}

func TestProgramInput(t *testing.T) {
	exe := buildCellProgram(t)
	tests := []struct {
		name, token, stdin string
		want               []string // substrings of the output, in order
	}{
		{"kernel answers", testToken, "Ada\nhunter2\n", []string{
			`{"type":"input_request","prompt":"name? "}`, `name "Ada" err <nil>`,
			`{"type":"input_request","prompt":"password? ","password":true}`, `password "hunter2" err <nil>`}},
		{"kernel without input", testToken, "", []string{
			`name "" err display: Input: the frontend does not allow input`,
			`password "" err display: Password: the frontend does not allow input`}},
		{"terminal", "", "Ada\nhunter2\n", []string{`name? name "Ada" err <nil>`, `password? password "hunter2" err <nil>`}},
		{"terminal at end of input", "", "Ada\n", []string{`name "Ada" err <nil>`, `password "" err display: Password: no input`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := runCellProgram(t, exe, "input", tt.token, tt.stdin)
			rest := string(out)
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output %q: missing %q (in order)", out, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
