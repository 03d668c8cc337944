package notebook_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"asyncgo/kernel/notebook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRoundTripJupyterFiles(t *testing.T) {
	// Files written by Jupyter itself; they must come back byte for byte.
	for _, name := range []string{"nbconvert-python.ipynb", "jupyter-extras.ipynb"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			nb, err := notebook.Parse(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := notebook.Marshal(nb)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("round trip changed the file:\n%s", got)
			}
		})
	}
}

func TestParseModel(t *testing.T) {
	nb, err := notebook.ReadFile("testdata/nbconvert-python.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if nb.NBFormat != 4 || nb.NBFormatMinor != 5 || len(nb.Cells) != 6 {
		t.Fatalf("got nbformat %d.%d with %d cells, want 4.5 with 6", nb.NBFormat, nb.NBFormatMinor, len(nb.Cells))
	}
	c := nb.Cells[1]
	if c.Type != notebook.CodeCell || c.ID != "0aafa63b" || *c.ExecutionCount != 1 {
		t.Errorf("cell 2 = %q %q %v", c.Type, c.ID, c.ExecutionCount)
	}
	if want := "print('hello')\nprint('two\\nlines')\nimport sys\nprint('oops', file=sys.stderr)"; c.Source != want {
		t.Errorf("cell 2 source = %q, want %q", c.Source, want)
	}
	if o := c.Outputs[0]; o.Type != "stream" || o.Name != "stdout" || o.Text != "hello\ntwo\nlines\n" {
		t.Errorf("cell 2 output 1 = %+v", o)
	}
	html := nb.Cells[2].Outputs[0].Data["text/html"]
	if html != "<b>bold</b>\n<i>it</i>" {
		t.Errorf("text/html = %q", html)
	}
	if !nb.Cells[4].HasTag("raises-exception") || nb.Cells[4].HasTag("other") {
		t.Errorf("tags of cell 5 = %v", nb.Cells[4].Tags())
	}
	e := nb.Cells[4].Outputs[0]
	if e.EName != "ZeroDivisionError" || e.EValue != "division by zero" || len(e.Traceback) != 4 {
		t.Errorf("error output = %+v", e)
	}
	if nb.Cells[5].ExecutionCount != nil || len(nb.Cells[5].Outputs) != 0 || nb.Cells[5].Source != "" {
		t.Errorf("empty cell = %+v", nb.Cells[5])
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"not json", `{"cells": [`, "not valid JSON"},
		{"array", `[]`, "not an object"},
		{"no version", `{"cells": []}`, "no nbformat version"},
		{"v3", `{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}`, "jupyter nbconvert --to notebook --nbformat 4"},
		{"cell type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"source": ""}]}`, "cell 1: missing cell_type"},
		{"trailing", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []} {}`, "after the top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notebook.Parse([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func intp(n int) *int { return &n }

func TestMarshalGolden(t *testing.T) {
	nb := notebook.New()
	nb.Metadata["kernelspec"] = map[string]any{"name": "gokernel", "display_name": "Go", "language": "go"}
	nb.Metadata["numbers"] = []any{1.0, 0.1, 1e16, 1.5e-7, -2.5, 42, json.Number("1.50")}
	nb.Cells = []*notebook.Cell{
		{ID: "intro", Type: notebook.MarkdownCell, Source: "# Title\r\nline\u2028sep\vtab\ttext <&> \"q\" \\ é\x1b[0m\x7f",
			Attachments: map[string]notebook.MIMEBundle{"a.png": {"image/png": "iVBOR\nw0K"}}},
		{ID: "code-1", Type: notebook.CodeCell, Source: "fmt.Println(1)\n", ExecutionCount: intp(3),
			Metadata: map[string]any{"tags": []any{"nondeterministic"}},
			Outputs: []*notebook.Output{
				{Type: "stream", Name: "stdout", Text: "a\nb\n\nc"},
				{Type: "display_data", Data: notebook.MIMEBundle{
					"text/plain":       "x\ny",
					"image/svg+xml":    "<svg>\n</svg>\n",
					"image/png":        "AAAA\nBBBB",
					"application/json": map[string]any{"b": []any{"1\n", "2"}, "a": nil},
				}},
				{Type: "execute_result", ExecutionCount: intp(3), Data: notebook.MIMEBundle{"text/plain": "42"}, Metadata: map[string]any{"isolated": true}},
				{Type: "error", EName: "panic", EValue: "boom", Traceback: []string{"goroutine 1 [running]:", "main.main()"}},
			}},
		{ID: "empty", Type: notebook.CodeCell},
		{ID: "raw", Type: notebook.RawCell, Source: ""},
	}
	got, err := notebook.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "marshal.golden.ipynb", got)

	// What was written reads back into the same notebook.
	back, err := notebook.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := notebook.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, got) {
		t.Errorf("second write differs from the first:\n%s", again)
	}
	if back.Cells[0].Source != nb.Cells[0].Source || back.Cells[1].Outputs[0].Text != "a\nb\n\nc" {
		t.Errorf("strings changed on the way back: %q / %q", back.Cells[0].Source, back.Cells[1].Outputs[0].Text)
	}
}

func TestMarshalRejectsNaN(t *testing.T) {
	nb := notebook.New()
	nb.Metadata["x"] = []any{1.0, json.Number("2"), func() float64 { z := 0.0; return z / z }()}
	if _, err := notebook.Marshal(nb); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("Marshal error = %v, want one about NaN", err)
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a\n"}},
		{"a\nb", []string{"a\n", "b"}},
		{"\n\n", []string{"\n", "\n"}},
		{"a\r\nb\rc", []string{"a\r\n", "b\r", "c"}},
		{"a\vb\fc\x1cd\x1de\x1ef", []string{"a\v", "b\f", "c\x1c", "d\x1d", "e\x1e", "f"}},
		{"é\u0085ü\u2028x\u2029", []string{"é\u0085", "ü\u2028", "x\u2029"}},
		{"tab\tstays", []string{"tab\tstays"}},
	}
	for _, tt := range tests {
		if got := notebook.SplitLines(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnsureIDs(t *testing.T) {
	nb := notebook.New()
	nb.NBFormatMinor = 4
	nb.Cells = []*notebook.Cell{
		{Type: "code", ID: "keep-me_1"},
		{Type: "code"},
		{Type: "code", ID: "keep-me_1"},
		{Type: "code", ID: "bad id!"},
		{Type: "code", ID: strings.Repeat("x", 65)},
	}
	if !nb.EnsureIDs() {
		t.Fatal("EnsureIDs reported no change")
	}
	if nb.NBFormatMinor != 5 {
		t.Errorf("minor version = %d, want 5", nb.NBFormatMinor)
	}
	seen := map[string]bool{}
	for i, c := range nb.Cells {
		if !notebook.ValidID(c.ID) || seen[c.ID] {
			t.Errorf("cell %d id %q is invalid or repeated", i, c.ID)
		}
		seen[c.ID] = true
	}
	if nb.Cells[0].ID != "keep-me_1" {
		t.Errorf("a valid id was replaced: %q", nb.Cells[0].ID)
	}
	if nb.EnsureIDs() {
		t.Error("second EnsureIDs reported a change")
	}
}

func TestValidID(t *testing.T) {
	tests := map[string]bool{"": false, "a": true, "0aafa63b": true, "A-b_9": true, "a b": false, "é": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false}
	for id, want := range tests {
		if got := notebook.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
