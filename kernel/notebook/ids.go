package notebook

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// ValidID reports whether id is a valid nbformat 4.5 cell id: 1 to 64
// characters, each an ASCII letter, digit, '-' or '_'.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// NewID returns a fresh random cell id of 8 hexadecimal digits, the form
// Jupyter uses.
func NewID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("notebook: no random bytes for a cell id: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// EnsureIDs makes nb a valid nbformat 4.5 notebook: it raises the minor
// version to 5 and gives a fresh id to every cell whose id is missing,
// invalid or a repeat of an earlier cell's id. It reports whether it
// changed anything.
func (nb *Notebook) EnsureIDs() bool {
	changed := false
	if nb.NBFormat == 4 && nb.NBFormatMinor < 5 {
		nb.NBFormatMinor = 5
		changed = true
	}
	seen := map[string]bool{}
	for _, c := range nb.Cells {
		if ValidID(c.ID) && !seen[c.ID] {
			seen[c.ID] = true
			continue
		}
		id := NewID()
		for seen[id] {
			id = NewID()
		}
		c.ID = id
		seen[id] = true
		changed = true
	}
	return changed
}
