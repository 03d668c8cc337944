package server

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"asyncgo/kernel/cell"
)

// cellFileName names a cell's code in the programs the kernel builds (in
// //line directives, and so in compile errors and panic traces). The name
// depends only on the code, so running an unchanged cell again builds the
// same program and reuses its binary; cellNames turns it into In[N] for
// the learner.
func cellFileName(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "cell" + hex.EncodeToString(sum[:6])
}

// cellNames maps cell file names to the names the learner knows, such as
// In[3]: the latest execution of that code.
type cellNames map[string]string

func (n cellNames) add(code, shown string) { n[cellFileName(code)] = shown }

// replace rewrites every cell file name in s to its shown name.
func (n cellNames) replace(s string) string {
	if !strings.Contains(s, "cell") {
		return s
	}
	for file, shown := range n {
		// Go 1.27 prints a path ending in the file name; 1.26 the name.
		s = strings.ReplaceAll(cell.TrimCellDirs(s, file), file, shown)
	}
	return s
}

// rename rewrites the cell file names in an error's text.
func (n cellNames) rename(e *errorContent) *errorContent {
	if e == nil {
		return nil
	}
	out := &errorContent{Name: e.Name, Value: n.replace(e.Value), Traceback: make([]string, len(e.Traceback))}
	for i, l := range e.Traceback {
		out.Traceback[i] = n.replace(l)
	}
	return out
}
