package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDisplayMIMETypes(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	// A 1x1 PNG and JPEG, made by the cell itself with the standard library.
	tests := []struct {
		name, code, mime string
	}{
		{"svg", `display.SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>")`, "image/svg+xml"},
		{"html", `display.HTML("<b>bold</b>")`, "text/html"},
		{"markdown", `display.Markdown("# Title")`, "text/markdown"},
		{"text", `display.Text("plain")`, "text/plain"},
		{"json", `display.JSON(map[string]int{"a": 1})`, "application/json"},
		{"png", "img := image.NewRGBA(image.Rect(0, 0, 1, 1))\nvar b bytes.Buffer\npng.Encode(&b, img)\ndisplay.PNG(b.Bytes())", "image/png"},
		{"jpeg", "img := image.NewRGBA(image.Rect(0, 0, 1, 1))\nvar b bytes.Buffer\njpeg.Encode(&b, img, nil)\ndisplay.JPEG(b.Bytes())", "image/jpeg"},
		{"bundle", `display.ShowData(display.Data{MIME: map[string]any{"text/html": "<i>x</i>", "text/plain": "x"}, Metadata: map[string]any{"text/html": map[string]any{"isolated": true}}})`, "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := k.exec(tt.code)
			if e.Status != "ok" {
				t.Fatalf("%s: %s", e.EName, e.EValue)
			}
			if len(e.Outputs) != 1 || e.Outputs[0].Header.MsgType != "display_data" {
				t.Fatalf("outputs %v, want one display_data", outputTypes(e))
			}
			data, _ := content(t, e.Outputs[0])["data"].(map[string]any)
			if _, ok := data[tt.mime]; !ok {
				t.Errorf("display_data has %v, want %s", keys(data), tt.mime)
			}
		})
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestDisplayUpdateAndClear(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	e := k.exec("h := display.NewHandle()\nh.Show(\"step 1\")\nh.Update(\"step 2\")\ndisplay.Clear(true)\ndisplay.Text(\"after clear\")")
	want := []string{"display_data", "update_display_data", "clear_output", "display_data"}
	if got := outputTypes(e); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("outputs %v, want %v", got, want)
	}
	first := content(t, e.Outputs[0])["transient"].(map[string]any)["display_id"]
	second := content(t, e.Outputs[1])["transient"].(map[string]any)["display_id"]
	if first == nil || first != second {
		t.Errorf("display ids %v and %v, want the same id", first, second)
	}
	if wait := content(t, e.Outputs[2])["wait"]; wait != true {
		t.Errorf("clear_output wait = %v, want true", wait)
	}
}

func TestLastExpressionValues(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	k.exec("type Point struct{ X, Y int }")
	tests := []struct {
		code, want string
	}{
		{"x := 41\nx + 1", "42"},
		{"s := []int{1, 2, 3}\ns", "[1, 2, 3]"},
		{"len(\"héllo\")", "6"},
		{"Point{1, 2}", "Point{X: 1, Y: 2}"},
		{"m := map[string]int{\"b\": 2, \"a\": 1}\nm", `map["a": 1, "b": 2]`},
		{"strings.ToUpper(\"go\")", "GO"},
		{"time.Duration(1500) * time.Millisecond", "1.5s"},
	}
	for _, tt := range tests {
		e := k.exec(tt.code)
		var got string
		for _, m := range e.Outputs {
			if m.Header.MsgType == "execute_result" {
				c := content(t, m)
				got, _ = c["data"].(map[string]any)["text/plain"].(string)
				if c["execution_count"] != float64(e.ExecutionCount) {
					t.Errorf("%q: execute_result count %v, want %d", tt.code, c["execution_count"], e.ExecutionCount)
				}
			}
		}
		if got != tt.want {
			t.Errorf("%q shows %q, want %q (outputs %v, %s %s)", tt.code, got, tt.want, outputTypes(e), e.EName, e.EValue)
		}
	}
	// Calls with no or several results are statements, not values.
	for _, code := range []string{`fmt.Println("printed")`, "f := func() {}\nf()"} {
		for _, m := range k.exec(code).Outputs {
			if m.Header.MsgType == "execute_result" {
				t.Errorf("%q showed a value", code)
			}
		}
	}
	// An exercise check on the last line shows its line, and no value.
	if got := outputTypes(k.exec(`exercise.Equal("Exercise 1", 2+2, 4, "add")`)); strings.Join(got, " ") != "display_data" {
		t.Errorf("a check on the last line gave outputs %v, want one display_data", got)
	}
	// A timeline shows as a picture.
	e := k.exec("tl := timeline.New(\"t\")\ntl.Add(timeline.Span{Lane: \"a\", Kind: timeline.Running, End: time.Second})\ntl")
	if len(e.Outputs) != 1 {
		t.Fatalf("timeline outputs %v", outputTypes(e))
	}
	if html, _ := content(t, e.Outputs[0])["data"].(map[string]any)["text/html"].(string); !strings.Contains(html, "data:image/svg+xml") {
		t.Errorf("a timeline value is not shown as an SVG picture: text/html %.80q", html)
	}
}

func TestPrintsAndDisplaysKeepOrder(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	e := k.exec("for i := 0; i < 100; i++ {\n\tif i%2 == 0 {\n\t\tfmt.Println(\"print\", i)\n\t} else {\n\t\tdisplay.Text(fmt.Sprint(\"display \", i))\n\t}\n}")
	var got []string
	for _, m := range e.Outputs {
		c := content(t, m)
		switch m.Header.MsgType {
		case "stream":
			for _, l := range strings.Split(strings.TrimSuffix(c["text"].(string), "\n"), "\n") {
				got = append(got, l)
			}
		case "display_data":
			got = append(got, c["data"].(map[string]any)["text/plain"].(string))
		}
	}
	var want []string
	for i := 0; i < 100; i++ {
		if i%2 == 0 {
			want = append(want, fmt.Sprint("print ", i))
		} else {
			want = append(want, fmt.Sprint("display ", i))
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order lost:\n got %v\nwant %v", got, want)
	}
}

func TestMalformedDisplayData(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	// A frame with the right token but a bad message, written by hand.
	e := k.exec("tok := os.Getenv(\"GOKERNEL_DISPLAY_TOKEN\")\nfmt.Printf(\"\\x1egokernel:%s {\\\"type\\\":\\\"display_data\\\",\\\"data\\\":{\\\"image/png\\\":\\\"not base64!\\\"}}\\n\", tok)\nfmt.Println(\"still running\")")
	if e.Status != "ok" || stdout(e) != "still running\n" {
		t.Errorf("status %s stdout %q", e.Status, stdout(e))
	}
	if !strings.Contains(streamText(e, "stderr"), "not shown") {
		t.Errorf("malformed display data not reported: stderr %q", streamText(e, "stderr"))
	}
	if got := stdout(k.exec(`fmt.Println("kernel fine")`)); got != "kernel fine\n" {
		t.Errorf("kernel after malformed data printed %q", got)
	}
}

func TestFloodOfTenMillionLines(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a flood takes a few seconds")
	}
	k := startKernel(t, "tcp")
	wait := k.execUntil("w := bufio.NewWriter(os.Stdout)\nfor i := 0; i < 10_000_000; i++ {\n\tfmt.Fprintln(w, \"line\", i)\n}\nw.Flush()\ntime.Sleep(time.Hour)", outputCut)
	if err := k.c.Interrupt(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := wait()
	if e.EName != "Interrupted" {
		t.Errorf("ename %q, want Interrupted", e.EName)
	}
	if n := len(e.Outputs); n > 400 {
		t.Errorf("%d output messages for a flood; want a bounded number", n)
	}
}

// requireJupyter returns the jupyter command when its subcommand sub
// works (`jupyter SUB --version` succeeds); otherwise it skips the test,
// or fails it when GOKERNEL_REQUIRE_JUPYTER=1. A jupyter on PATH without
// the subcommand (a bare jupyter_core, a shim of another Python) skips.
func requireJupyter(t *testing.T, sub string) string {
	t.Helper()
	p, err := exec.LookPath("jupyter")
	if err == nil {
		var out []byte
		if out, err = exec.Command(p, sub, "--version").CombinedOutput(); err != nil {
			err = fmt.Errorf("`jupyter %s --version` failed: %v\n%s", sub, err, out)
		}
	}
	if err != nil {
		if os.Getenv("GOKERNEL_REQUIRE_JUPYTER") == "1" {
			t.Fatalf("jupyter %s is required (GOKERNEL_REQUIRE_JUPYTER=1): %v", sub, err)
		}
		t.Skipf("jupyter %s does not work here: %v", sub, err)
	}
	return p
}

// nbconvert installs the kernelspec for the binary under test in a fresh
// Jupyter data directory and executes a notebook of cells with Jupyter's
// nbconvert; it returns the executed notebook and nbconvert's error.
func nbconvert(t *testing.T, cells ...string) (map[string]any, error, string) {
	t.Helper()
	jupyter := requireJupyter(t, "nbconvert")
	dir := t.TempDir()
	env := append(os.Environ(), "JUPYTER_DATA_DIR="+filepath.Join(dir, "data"), "JUPYTER_PATH=")
	install := exec.Command(gokernelBin, "install", "--no-warm", "--no-gopls", "--no-dlv")
	install.Env = env
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	var nbCells []map[string]any
	for i, c := range cells {
		nbCells = append(nbCells, map[string]any{"cell_type": "code", "id": fmt.Sprintf("c%d", i), "metadata": map[string]any{}, "source": c, "outputs": []any{}, "execution_count": nil})
	}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "cells": nbCells,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "gokernel", "display_name": "Go (gokernel)", "language": "go"}}}
	b, _ := json.Marshal(nb)
	in := filepath.Join(dir, "test.ipynb")
	os.WriteFile(in, b, 0o644)
	cmd := exec.Command(jupyter, "nbconvert", "--to", "notebook", "--execute", "--output", "out.ipynb", "--ExecutePreprocessor.timeout=180", in)
	cmd.Env = env
	out, runErr := cmd.CombinedOutput()
	var executed map[string]any
	if data, err := os.ReadFile(filepath.Join(dir, "out.ipynb")); err == nil {
		json.Unmarshal(data, &executed)
	}
	return executed, runErr, string(out)
}

func TestNbconvertExecutesNotebook(t *testing.T) {
	t.Parallel()
	nb, err, log := nbconvert(t,
		`fmt.Println("hello from nbconvert")`,
		"x := 6 * 7\nx",
		`display.SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"></svg>")`,
		`display.Markdown("**bold**")`,
		"tl := timeline.New(\"t\")\ntl.Add(timeline.Span{Lane: \"a\", Kind: timeline.Running, End: time.Second})\ntl",
	)
	if err != nil {
		t.Fatalf("nbconvert failed: %v\n%s", err, log)
	}
	cells := nb["cells"].([]any)
	wantMIME := []string{"", "text/plain", "image/svg+xml", "text/markdown", "text/html"}
	for i, c := range cells {
		outputs := c.(map[string]any)["outputs"].([]any)
		if len(outputs) == 0 {
			t.Errorf("cell %d has no output", i)
			continue
		}
		o := outputs[0].(map[string]any)
		if i == 0 {
			if o["output_type"] != "stream" {
				t.Errorf("cell 0 output %v", o)
			}
			continue
		}
		data, _ := o["data"].(map[string]any)
		if _, ok := data[wantMIME[i]]; !ok {
			t.Errorf("cell %d output has %v, want %s", i, keys(data), wantMIME[i])
		}
	}
}

func TestNbconvertFailsOnError(t *testing.T) {
	t.Parallel()
	_, err, log := nbconvert(t, `fmt.Println("fine")`, `panic("this cell fails")`, `fmt.Println("never run")`)
	if err == nil {
		t.Fatal("nbconvert succeeded on a notebook whose cell panics")
	}
	if !strings.Contains(log, "this cell fails") {
		t.Errorf("nbconvert's error does not name the panic:\n%s", log)
	}
}
