package editor

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"asyncgo/kernel/procgroup"
	"asyncgo/kernel/runner"
)

// goplsReleases are the gopls releases the kernel installs, newest
// first, each with the oldest Go that builds it (the go directive of its
// go.mod).
var goplsReleases = []struct{ version, minGo string }{
	{"v0.24.0", "go1.27.0"},
	{"v0.23.0", "go1.26.0"},
}

// GoplsVersion returns the gopls release the kernel uses with a Go
// release (such as "go1.27.3"): the newest that supports it, v0.24.0 for
// Go 1.27 and v0.23.0 for Go 1.26. An unknown or older version gets the
// oldest release listed.
func GoplsVersion(goVersion string) string {
	for _, r := range goplsReleases {
		if version.IsValid(goVersion) && version.Compare(goVersion, r.minGo) >= 0 {
			return r.version
		}
	}
	return goplsReleases[len(goplsReleases)-1].version
}

// InstallCommand returns the command that installs gopls for a Go
// release.
func InstallCommand(goVersion string) string {
	return "go install golang.org/x/tools/gopls@" + GoplsVersion(goVersion)
}

// GoplsRelease returns the module version of the gopls binary at path,
// such as "v0.24.0", read from its build information; "" when it cannot
// be read.
func GoplsRelease(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return ""
	}
	return info.Main.Version
}

// FindGopls returns the path of gopls: on PATH, else where go install
// puts it (the go command's GOBIN when set, else GOPATH/bin). It returns ""
// when gopls is not installed.
func FindGopls(goCmd string) string { return runner.FindTool(goCmd, "gopls") }

// InstallGopls installs the gopls release for the Go release goVersion
// (see GoplsVersion) with goCmd, writing the go command's output to out.
// It clears GOFLAGS, so flags meant for cell builds do not reach the
// install.
func InstallGopls(ctx context.Context, goCmd, goVersion string, out io.Writer) error {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "install", "golang.org/x/tools/gopls@"+GoplsVersion(goVersion))
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", InstallCommand(goVersion), err)
	}
	return nil
}

// goplsSettings are the gopls settings the editor uses: prefix matching
// as a notebook expects, no snippets, full documentation in hovers, and
// no diagnostics while typing (the kernel reports errors when a cell
// runs).
var goplsSettings = map[string]any{
	"buildFlags":         []string{"-mod=mod"},
	"matcher":            "CaseInsensitive",
	"deepCompletion":     false,
	"usePlaceholders":    false,
	"completeUnimported": true,
	"completionBudget":   "300ms",
	"hoverKind":          "FullDocumentation",
	"linksInHover":       false,
	"diagnosticsTrigger": "Save",
	"directoryFilters":   []string{"-bin"},
}

// gopls is a running gopls process with one open document: the program
// of the cell being edited.
type gopls struct {
	cmd  *exec.Cmd
	conn *conn
	enc  string // negotiated position encoding
	file string // the document's path
	uri  string

	done chan struct{} // closed once the process exited and its output is read
	err  error         // why it ended; read after done

	mu      sync.Mutex // serializes document updates with the requests that use them
	version int
	text    []byte
}

// startGopls starts gopls at path for the module at dir, and initializes
// it with a document at file holding src. The process lives until stop
// is called or it dies; ctx bounds only the start.
func startGopls(ctx context.Context, path, dir, file string, env []string, src []byte) (*gopls, error) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("create the editor's directory: %w", err)
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return nil, fmt.Errorf("write the editor's program: %w", err)
	}
	cmd := exec.Command(path, "serve")
	cmd.Dir = dir
	cmd.Env = env
	// gopls runs go list to load packages: in a process group of its
	// own, ending gopls ends them too, so none outlives the kernel.
	procgroup.Set(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gopls (%s): %w", path, err)
	}
	// Loading packages takes gopls seconds of processor time after it
	// starts; on a small machine it must not slow the cells and the
	// messages of the kernel meanwhile. (It fails only when gopls has
	// already exited, which the wait below reports.)
	procgroup.Background(cmd)
	g := &gopls{cmd: cmd, file: file, uri: fileURI(file), enc: encodingUTF16, done: make(chan struct{})}
	g.conn = newConn(stdin, func(method string, params json.RawMessage) any {
		if method == "workspace/configuration" {
			var p struct{ Items []json.RawMessage }
			json.Unmarshal(params, &p)
			out := make([]any, len(p.Items))
			for i := range out {
				out[i] = goplsSettings
			}
			return out
		}
		return nil
	})
	go func() {
		err := g.conn.serve(stdout)
		stdin.Close()
		if werr := cmd.Wait(); werr != nil {
			err = fmt.Errorf("gopls exited: %w", werr)
		}
		procgroup.End(cmd)
		g.err = err
		close(g.done)
	}()

	var init struct {
		Capabilities struct {
			PositionEncoding string `json:"positionEncoding"`
		} `json:"capabilities"`
	}
	params := map[string]any{
		"processId":        os.Getpid(),
		"clientInfo":       map[string]any{"name": "gokernel"},
		"rootUri":          fileURI(dir),
		"workspaceFolders": []map[string]any{{"uri": fileURI(dir), "name": "cells"}},
		"capabilities": map[string]any{
			"general":   map[string]any{"positionEncodings": []string{encodingUTF8, encodingUTF16}},
			"workspace": map[string]any{"configuration": true, "workspaceFolders": true},
			"textDocument": map[string]any{
				"completion": map[string]any{"completionItem": map[string]any{"snippetSupport": false, "documentationFormat": []string{"plaintext"}}},
				"hover":      map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
			},
		},
		"initializationOptions": goplsSettings,
	}
	if err := g.conn.call(ctx, "initialize", params, &init); err != nil {
		g.kill()
		return nil, fmt.Errorf("start gopls: %w", err)
	}
	if init.Capabilities.PositionEncoding == encodingUTF8 {
		g.enc = encodingUTF8
	}
	if err := g.conn.notify("initialized", map[string]any{}); err != nil {
		g.kill()
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.update(src); err != nil {
		g.kill()
		return nil, err
	}
	return g, nil
}

// fileURI returns the file: URI of a path.
func fileURI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// alive reports whether the process is still running.
func (g *gopls) alive() bool {
	select {
	case <-g.done:
		return false
	default:
		return true
	}
}

// update makes src the document's text; g.mu must be held.
func (g *gopls) update(src []byte) error {
	if g.version > 0 && string(src) == string(g.text) {
		return nil
	}
	g.version++
	g.text = append(g.text[:0], src...)
	if g.version == 1 {
		return g.conn.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": g.uri, "languageId": "go", "version": g.version, "text": string(src)}})
	}
	return g.conn.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": g.uri, "version": g.version},
		"contentChanges": []map[string]any{{"text": string(src)}},
	})
}

// lspRange is an LSP range.
type lspRange struct {
	Start position `json:"start"`
	End   position `json:"end"`
}

// completionItem is the part of an LSP CompletionItem the editor uses.
type completionItem struct {
	Label      string `json:"label"`
	Kind       int    `json:"kind"`
	Detail     string `json:"detail"`
	InsertText string `json:"insertText"`
	TextEdit   *struct {
		NewText string    `json:"newText"`
		Range   *lspRange `json:"range"`
		Insert  *lspRange `json:"insert"`
	} `json:"textEdit"`
}

// complete asks for completions at byte offset off of src, and returns
// the items with each edit's range as byte offsets into src (-1 when an
// item has no edit).
func (g *gopls) complete(ctx context.Context, src []byte, off int) ([]completionItem, [][2]int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.update(src); err != nil {
		return nil, nil, err
	}
	var raw json.RawMessage
	err := g.conn.call(ctx, "textDocument/completion", map[string]any{
		"textDocument": map[string]any{"uri": g.uri},
		"position":     toPosition(src, off, g.enc),
	}, &raw)
	if err != nil {
		return nil, nil, err
	}
	var items []completionItem
	var list struct {
		Items []completionItem `json:"items"`
	}
	if json.Unmarshal(raw, &list) == nil && list.Items != nil {
		items = list.Items
	} else if err := json.Unmarshal(raw, &items); err != nil && string(raw) != "null" {
		return nil, nil, fmt.Errorf("decode completion items: %w", err)
	}
	spans := make([][2]int, len(items))
	for i, it := range items {
		spans[i] = [2]int{-1, -1}
		if it.TextEdit == nil {
			continue
		}
		r := it.TextEdit.Range
		if r == nil {
			r = it.TextEdit.Insert
		}
		if r != nil {
			spans[i] = [2]int{fromPosition(src, r.Start, g.enc), fromPosition(src, r.End, g.enc)}
		}
	}
	return items, spans, nil
}

// hover returns the hover text (markdown) at byte offset off of src; ""
// when there is none.
func (g *gopls) hover(ctx context.Context, src []byte, off int) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.update(src); err != nil {
		return "", err
	}
	var h *struct {
		Contents json.RawMessage `json:"contents"`
	}
	err := g.conn.call(ctx, "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": g.uri},
		"position":     toPosition(src, off, g.enc),
	}, &h)
	if err != nil || h == nil {
		return "", err
	}
	var mc struct{ Value string }
	if json.Unmarshal(h.Contents, &mc) == nil && mc.Value != "" {
		return mc.Value, nil
	}
	var s string
	json.Unmarshal(h.Contents, &s)
	return s, nil
}

// stop asks gopls to shut down and exit, kills it when it does not within
// two seconds, and waits for it.
func (g *gopls) stop() {
	if g.alive() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if g.conn.call(ctx, "shutdown", nil, nil) == nil {
			g.conn.notify("exit", nil)
		}
		cancel()
		select {
		case <-g.done:
		case <-time.After(2 * time.Second):
			g.cmd.Process.Kill()
		}
	}
	<-g.done
	os.Remove(g.file)
}

// kill ends gopls at once, without the shutdown handshake, and waits for
// it: for a start that failed or was abandoned, where gopls may be too
// busy loading packages to answer a shutdown request.
func (g *gopls) kill() {
	g.cmd.Process.Kill()
	<-g.done
	os.Remove(g.file)
}

// errNoGopls says gopls is not installed.
var errNoGopls = errors.New("gopls is not installed")
