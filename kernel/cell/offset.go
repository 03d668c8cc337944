package cell

import (
	"strconv"
	"strings"
)

// SourceOffset returns the byte offset in p.Source of the position at line
// and col (1-based; col counts bytes) of the cell named name, as the
// program's //line directives map cell positions. ok is false when no line
// of the program comes from that position, for example because the cell's
// text there was a magic or an import.
//
// An editor uses it to ask about a cell's cursor in the generated program.
func (p *Program) SourceOffset(name string, line, col int) (off int, ok bool) {
	src := string(p.Source)
	var (
		cur           string // cell of the current line; "" when unmapped
		curLine, cur0 int    // its cell line, and the cell column of its first byte
	)
	for start := 0; start < len(src); {
		end := strings.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		text := src[start:end]
		if d, ok := strings.CutPrefix(text, "//line "); ok {
			cur, curLine, cur0 = parseLineDirective(d)
			start = end + 1
			continue
		}
		if cur == name && curLine == line && col >= cur0 && col-cur0 <= len(text) {
			return start + col - cur0, true
		}
		if cur != "" {
			curLine++
			cur0 = 1
		}
		start = end + 1
	}
	return 0, false
}

// parseLineDirective reads "file:line:col" of a //line directive; the
// file is "" when the directive names main.go (generated text) or cannot
// be read.
func parseLineDirective(d string) (file string, line, col int) {
	i := strings.LastIndexByte(d, ':')
	if i < 0 {
		return "", 0, 0
	}
	j := strings.LastIndexByte(d[:i], ':')
	if j < 0 {
		return "", 0, 0
	}
	l, err1 := strconv.Atoi(d[j+1 : i])
	c, err2 := strconv.Atoi(d[i+1:])
	if err1 != nil || err2 != nil || d[:j] == "main.go" {
		return "", 0, 0
	}
	return d[:j], l, c
}
