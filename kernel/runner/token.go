package runner

import (
	"crypto/rand"
	"encoding/hex"
)

// newToken returns the secret a program must put in its display frames, so
// that text that merely looks like a frame is shown as text.
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
