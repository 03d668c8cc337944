package debugger

import (
	"bytes"
	"strconv"
)

// PointLines returns src, a generated Go program, with the file names of
// its //line directives replaced by rename's answer; names rename does not
// know (ok false) stay. The kernel's programs name cells cellHASH in their
// //line directives; a debug build passes its source through PointLines
// with a rename that answers each cell's CellPath, so the compiled
// program reports the files the frontend sets breakpoints on. Line and
// column numbers, and so the program's line structure, are kept.
func PointLines(src []byte, rename func(file string) (path string, ok bool)) []byte {
	var out bytes.Buffer
	out.Grow(len(src))
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line = src[:i+1]
		}
		src = src[len(line):]
		if rest, ok := bytes.CutPrefix(line, []byte("//line ")); ok {
			body := bytes.TrimRight(rest, "\r\n")
			file, pos := splitLinePos(body)
			if p, ok := rename(string(file)); ok {
				out.WriteString("//line ")
				out.WriteString(p)
				out.Write(pos)
				out.Write(rest[len(body):])
				continue
			}
		}
		out.Write(line)
	}
	return out.Bytes()
}

// splitLinePos splits the text of a //line directive, "file:line" or
// "file:line:col", into the file and the ":line[:col]" that follows it.
func splitLinePos(s []byte) (file, pos []byte) {
	end := len(s)
	for range 2 {
		i := bytes.LastIndexByte(s[:end], ':')
		if i < 0 {
			break
		}
		if _, err := strconv.Atoi(string(s[i+1 : end])); err != nil {
			break
		}
		end = i
	}
	return s[:end], s[end:]
}
