package editor

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Position encodings an LSP server may use for the character offset of a
// position within its line.
const (
	encodingUTF8  = "utf-8"
	encodingUTF16 = "utf-16"
)

// byteOffset returns the byte offset in s of the code point at index n, as
// Jupyter counts cursor positions; n past the end gives len(s).
func byteOffset(s string, n int) int {
	if n <= 0 {
		return 0
	}
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// codePoints returns how many code points s[:off] holds.
func codePoints(s string, off int) int {
	off = max(0, min(off, len(s)))
	return utf8.RuneCountInString(s[:off])
}

// position is an LSP position: a 0-based line and a character offset in
// the line, in the units of the negotiated encoding.
type position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// toPosition returns the LSP position of byte offset off in src.
func toPosition(src []byte, off int, enc string) position {
	off = max(0, min(off, len(src)))
	line, start := 0, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	ch := off - start
	if enc != encodingUTF8 {
		ch = 0
		for _, r := range string(src[start:off]) {
			ch += utf16.RuneLen(r)
		}
	}
	return position{Line: line, Character: ch}
}

// fromPosition returns the byte offset in src of an LSP position; a
// position past the end of its line or of src is clamped to it.
func fromPosition(src []byte, p position, enc string) int {
	start := 0
	for l := 0; l < p.Line; l++ {
		i := indexByte(src[start:], '\n')
		if i < 0 {
			return len(src)
		}
		start += i + 1
	}
	end := start + indexByte(src[start:], '\n')
	if end < start {
		end = len(src)
	}
	if enc == encodingUTF8 {
		return min(start+p.Character, end)
	}
	units := 0
	for off, r := range string(src[start:end]) {
		if units >= p.Character {
			return start + off
		}
		units += utf16.RuneLen(r)
	}
	return end
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
