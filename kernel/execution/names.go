package execution

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"asyncgo/kernel/cell"
)

// cellFileName names a cell's code in the programs the kernel builds (in
// //line directives, and so in compile errors and panic traces). The name
// depends only on the code, so running an unchanged cell again builds the
// same program and reuses its binary; names turns it into In[N] for the
// learner.
func cellFileName(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "cell" + hex.EncodeToString(sum[:6])
}

// names maps cell file names to the names the learner knows, such as
// In[3]: the latest execution of that code. It is safe for concurrent use:
// the server's output goroutines rename printed text while cells run.
type names struct {
	mu    sync.Mutex
	shown map[string]string
	paths map[string]string // a debugger's path → cell file name
}

func newNames() *names { return &names{shown: map[string]string{}, paths: map[string]string{}} }

func (n *names) add(code, shown string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown[cellFileName(code)] = shown
}

// alias makes path stand for the cell file name file too: a debugged
// program names cells by the debugger's paths.
func (n *names) alias(file, path string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.paths[path] = file
}

// replace rewrites every cell file name in s to its shown name.
func (n *names) replace(s string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.paths) == 0 && !strings.Contains(s, "cell") {
		return s
	}
	for file, shown := range n.shown {
		// Go 1.27 prints a path ending in the file name; 1.26 the name.
		s = strings.ReplaceAll(cell.TrimCellDirs(s, file), file, shown)
	}
	for path, file := range n.paths {
		if shown, ok := n.shown[file]; ok {
			s = strings.ReplaceAll(s, path, shown)
		}
	}
	return s
}

// rename rewrites the cell file names in a failure's text.
func (n *names) rename(e *Failure) *Failure {
	if e == nil {
		return nil
	}
	out := &Failure{Name: e.Name, Value: n.replace(e.Value), Traceback: make([]string, len(e.Traceback))}
	for i, l := range e.Traceback {
		out.Traceback[i] = n.replace(l)
	}
	return out
}
