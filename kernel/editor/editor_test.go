package editor_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/editor"
	"asyncgo/kernel/runner"
)

// session commits cells to a new session, as the kernel does after they
// build.
func session(t testing.TB, cells ...string) *cell.Session {
	t.Helper()
	s := cell.NewSession()
	for i, src := range cells {
		c, err := cell.Parse(src)
		if err != nil {
			t.Fatalf("cell %d: %v", i+1, err)
		}
		s.Commit(c, "In["+string(rune('1'+i))+"]")
	}
	return s
}

// newEditor returns an editor over a fresh workspace; gopls is "off" or
// "" (found on the machine).
func newEditor(t testing.TB, gopls string) *editor.Editor {
	t.Helper()
	ws, err := runner.NewWorkspace(runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := editor.New(editor.Config{Workspace: ws, Gopls: gopls, Timeout: 5 * time.Second})
	t.Cleanup(func() { e.Close(); ws.Close() })
	return e
}

// requireGopls skips the test when gopls is not installed, unless
// GOKERNEL_REQUIRE_GOPLS=1.
func requireGopls(t testing.TB) {
	t.Helper()
	if editor.FindGopls(runner.FindGo()) == "" {
		tc, _ := runner.FindToolchain(context.Background(), "")
		if os.Getenv("GOKERNEL_REQUIRE_GOPLS") == "1" {
			t.Fatalf("gopls is not installed and GOKERNEL_REQUIRE_GOPLS=1: %s", editor.InstallCommand(tc.Version))
		}
		t.Skipf("gopls is not installed (%s)", editor.InstallCommand(tc.Version))
	}
}

// completeFrom asks until the answer comes from source (gopls needs a
// moment to start and load packages; until then the fallback answers).
func completeFrom(t testing.TB, e *editor.Editor, q *editor.Query, source string) *editor.Completion {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c := e.Complete(context.Background(), q)
		if c.Source == source || time.Now().After(deadline) {
			if c.Source != source {
				t.Fatalf("completion still from %s, want %s", c.Source, source)
			}
			return c
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func texts(c *editor.Completion) []string {
	var out []string
	for _, m := range c.Matches {
		out = append(out, m.Text)
	}
	return out
}

// cursorAt returns code without the | marking the cursor, and the
// cursor's code-point offset.
func cursorAt(marked string) (string, int) {
	i := strings.Index(marked, "|")
	return marked[:i] + marked[i+1:], len([]rune(marked[:i]))
}

var completionTests = []struct {
	name    string
	earlier []string
	cell    string // | marks the cursor
	want    []string
	// start is the code-point offset where the replaced text starts;
	// -1 means the cursor.
	start int
}{
	{name: "package member", cell: "fmt.Pri|", want: []string{"Print", "Printf", "Println"}, start: 4},
	{name: "package not imported", cell: "time.Sl|", want: []string{"Sleep"}, start: 5},
	{name: "after a dot", cell: "x := 1\nstrings.|", want: []string{"Repeat", "ToUpper"}, start: 15},
	{name: "earlier cell's function", earlier: []string{"func greet(name string) string { return \"hi \" + name }"}, cell: "gre|", want: []string{"greet"}, start: 0},
	{name: "struct field", earlier: []string{"type point struct{ X, Y int }\n\nfunc (p point) Sum() int { return p.X + p.Y }"}, cell: "p := point{1, 2}\np.|", want: []string{"X", "Y", "Sum"}, start: 19},
	{name: "non-ASCII before the cursor", cell: "s := \"héllo, 世界\"; fmt.Pri|nt(s)", want: []string{"Println"}, start: 22},
	{name: "unfinished block", cell: "for i := range 3 {\n\tfmt.Pri|", want: []string{"Printf"}, start: 24},
	{name: "keyword", cell: "fo|", want: []string{"for"}, start: 0},
}

func TestCompleteFallback(t *testing.T) {
	e := newEditor(t, "off")
	first := true
	for _, tt := range completionTests {
		t.Run(tt.name, func(t *testing.T) {
			code, cur := cursorAt(tt.cell)
			c := e.Complete(context.Background(), editor.NewQuery(session(t, tt.earlier...), code, cur))
			if c.Source != "go/types" {
				t.Errorf("source = %s, want go/types", c.Source)
			}
			if first != (c.Note != "") {
				t.Errorf("note = %q on first reply %v: want the install hint on the first reply only", c.Note, first)
			}
			first = false
			checkCompletion(t, c, tt.want, tt.start, cur)
		})
	}
}

func TestCompleteGopls(t *testing.T) {
	requireGopls(t)
	e := newEditor(t, "")
	for _, tt := range completionTests {
		t.Run(tt.name, func(t *testing.T) {
			code, cur := cursorAt(tt.cell)
			c := completeFrom(t, e, editor.NewQuery(session(t, tt.earlier...), code, cur), "gopls")
			checkCompletion(t, c, tt.want, tt.start, cur)
		})
	}
}

func checkCompletion(t *testing.T, c *editor.Completion, want []string, start, cur int) {
	t.Helper()
	got := texts(c)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("matches %q lack %q", got, w)
		}
	}
	if start < 0 {
		start = cur
	}
	if c.Start != start || c.End < cur {
		t.Errorf("replaces [%d, %d), want [%d, >=%d)", c.Start, c.End, start, cur)
	}
}

func TestGoplsVersion(t *testing.T) {
	tests := []struct{ goVersion, want string }{
		{"go1.26.8", "v0.23.0"},
		{"go1.26.0", "v0.23.0"},
		{"go1.27.0", "v0.24.0"},
		{"go1.27.3", "v0.24.0"},
		{"go1.28.1", "v0.24.0"},
		{"go1.25.4", "v0.23.0"},
		{"", "v0.23.0"},
	}
	for _, tt := range tests {
		if got := editor.GoplsVersion(tt.goVersion); got != tt.want {
			t.Errorf("GoplsVersion(%q) = %q, want %q", tt.goVersion, got, tt.want)
		}
	}
	if got, want := editor.InstallCommand("go1.27.3"), "go install golang.org/x/tools/gopls@v0.24.0"; got != want {
		t.Errorf("InstallCommand(go1.27.3) = %q, want %q", got, want)
	}
}

// TestInspectFallback: without gopls, inspection gives the declaration
// and its documentation, read from the source, for the standard library,
// the course helpers and the cells' own declarations.
func TestInspectFallback(t *testing.T) {
	e := newEditor(t, "off")
	tests := []struct {
		name    string
		earlier []string
		cell    string
		want    []string
	}{
		{"function", nil, "time.Sle|ep(time.Millisecond)", []string{"func time.Sleep(d time.Duration)", "Sleep pauses the current goroutine"}},
		{"method", nil, "var b strings.Builder\nb.WriteS|tring(\"x\")", []string{"func (*strings.Builder).WriteString(s string) (int, error)", "WriteString appends the contents of s"}},
		{"type", nil, "var wg sync.Wait|Group\n_ = &wg", []string{"type sync.WaitGroup struct", "A WaitGroup"}},
		{"constructor grouped with its type", nil, "_ = time.NewTi|mer(time.Second)", []string{"func time.NewTimer(d time.Duration) *time.Timer", "NewTimer creates a new Timer"}},
		{"constant", nil, "_ = time.Seco|nd", []string{"const time.Second time.Duration", "Common durations"}},
		{"a cell's own function", []string{"// double returns twice n.\nfunc double(n int) int { return 2 * n }"}, "_ = dou|ble(2)", []string{"func double(n int) int", "double returns twice n."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, cur := cursorAt(tt.cell)
			in := e.Inspect(context.Background(), editor.NewQuery(session(t, tt.earlier...), code, cur), 0)
			if !in.Found || in.Source != "go/types" {
				t.Fatalf("found %v source %s, want found by go/types", in.Found, in.Source)
			}
			for _, w := range tt.want {
				if !strings.Contains(in.Text, w) || !strings.Contains(in.Markdown, w) {
					t.Errorf("inspection lacks %q:\ntext: %s\nmarkdown: %s", w, in.Text, in.Markdown)
				}
			}
		})
	}
}
