package cell_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/cell"
)

// notebook runs cells through a session the way the runner does: parse,
// generate, build with the real go command, commit on success.
type notebook struct {
	t       *testing.T
	s       *cell.Session
	dir     string
	n       int
	sources map[string]string
}

func newNotebook(t *testing.T) *notebook {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module cellprog\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &notebook{t: t, s: cell.NewSession(), dir: dir, sources: map[string]string{}}
}

// goCmd runs the go command in the notebook's module.
func (nb *notebook) goCmd(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = nb.dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	return cmd.CombinedOutput()
}

// cell generates and builds the next cell. It returns the build output,
// and whether the build succeeded (and the cell was committed).
func (nb *notebook) cell(src string, opts cell.GenerateOptions) (out []byte, ok bool) {
	nb.t.Helper()
	nb.n++
	name := "In[" + strconv.Itoa(nb.n) + "]"
	nb.sources[name] = src
	c, err := cell.Parse(src)
	if err != nil {
		nb.t.Fatalf("Parse(%s): %v", name, err)
	}
	p, err := nb.s.Generate(c, name, opts)
	if err != nil {
		nb.t.Fatalf("Generate(%s): %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(nb.dir, "main.go"), p.Source, 0o644); err != nil {
		nb.t.Fatal(err)
	}
	out, err = nb.goCmd("build", "-o", "prog", ".")
	if err != nil {
		return out, false
	}
	nb.s.Commit(c, name)
	return out, true
}

// runProg runs the last program built.
func (nb *notebook) runProg() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(nb.dir, "prog"))
	return cmd.CombinedOutput()
}

func TestBuildErrorsNameCells(t *testing.T) {
	nb := newNotebook(t)
	if out, ok := nb.cell("var limit = 3\nfunc h() int { return limit }\nfunc f() int { return 1 }", cell.GenerateOptions{}); !ok {
		t.Fatalf("In[1] did not build:\n%s", out)
	}
	out, ok := nb.cell("var limit = \"three\"\n\nfunc g() string {\n\treturn f()\n}\nx := 1\ny := \"a\" + x", cell.GenerateOptions{})
	if ok {
		t.Fatal("In[2] built, want errors")
	}
	diags := cell.ParseBuildErrors(out, nb.sources)
	text := cell.FormatDiagnostics(diags, nb.sources)
	golden(t, "build/errors.golden", text)
	if strings.Contains(text, "main.go") {
		t.Errorf("diagnostics mention the generated file:\n%s", text)
	}

	// The failed cell left the session alone: In[1]'s limit still works.
	if out, ok := nb.cell("h() + f()", cell.GenerateOptions{DisplayValue: true, NoHelpers: true}); !ok {
		t.Fatalf("In[3] did not build after a failed cell:\n%s", out)
	}
	got, err := nb.runProg()
	if err != nil || string(got) != "4\n" {
		t.Errorf("In[3] printed %q (%v), want \"4\\n\"", got, err)
	}
}

func TestPanicTracebackNamesCells(t *testing.T) {
	nb := newNotebook(t)
	if out, ok := nb.cell("func boom(xs []int) int {\n\treturn xs[3]\n}", cell.GenerateOptions{}); !ok {
		t.Fatalf("In[1] did not build:\n%s", out)
	}
	if out, ok := nb.cell("// a panic\nfmt.Println(\"before\")\n\nboom(nil)", cell.GenerateOptions{}); !ok {
		t.Fatalf("In[2] did not build:\n%s", out)
	}
	raw, err := nb.runProg()
	if err == nil {
		t.Fatalf("program did not panic:\n%s", raw)
	}
	// Go 1.27 prints the cells' file names as paths; the kernel shows
	// what TrimCellDirs leaves.
	out := []byte(cell.TrimCellDirs(string(raw), "In[1]", "In[2]"))
	for _, want := range []string{"before\n", "index out of range [3] with length 0", "\tIn[1]:2", "\tIn[2]:4"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunDisplaysAndVetNamesCells(t *testing.T) {
	nb := newNotebook(t)
	if out, ok := nb.cell("type P struct{ Name string }\nfunc (p P) Upper() string { return strings.ToUpper(p.Name) }", cell.GenerateOptions{}); !ok {
		t.Fatalf("In[1] did not build:\n%s", out)
	}
	opts := cell.GenerateOptions{DisplayValue: true, DisplayCall: true, NoHelpers: true}
	if out, ok := nb.cell("p := P{\"ann\"}\nfmt.Printf(\"%d\\n\", len(p.Name))\np.Upper()", opts); !ok {
		t.Fatalf("In[2] did not build:\n%s", out)
	}
	out, err := nb.runProg()
	if err != nil || string(out) != "3\nANN\n" {
		t.Errorf("In[2] printed %q (%v), want \"3\\nANN\\n\"", out, err)
	}

	vetOut, err := nb.goCmd("vet", ".")
	if err != nil {
		t.Fatalf("go vet found problems in a clean program:\n%s", vetOut)
	}
	if out, ok := nb.cell("\nfmt.Printf(\"%d\\n\", \"s\")", cell.GenerateOptions{}); !ok {
		t.Fatalf("In[3] did not build:\n%s", out)
	}
	vetOut, err = nb.goCmd("vet", ".")
	if err == nil {
		t.Fatalf("go vet found nothing:\n%s", vetOut)
	}
	diags := cell.ParseBuildErrors(vetOut, nb.sources)
	if len(diags) != 1 || diags[0].Cell != "In[3]" || diags[0].Line != 2 || diags[0].Col != 13 ||
		!strings.Contains(diags[0].Message, "format %d has arg \"s\" of wrong type string") {
		t.Errorf("vet diagnostics = %+v\nfrom:\n%s", diags, vetOut)
	}
}
