package cell

import (
	"regexp"
	"strconv"
	"strings"
)

// Diagnostic is one error reported by the compiler, go vet or Parse.
type Diagnostic struct {
	// Cell names the cell the error is in, such as "In[3]"; it is empty
	// when the error has no position in a cell.
	Cell string
	// Line and Col are the 1-based position in the cell; Col is 0 when the
	// tool gave no column.
	Line, Col int
	// Message is the error text without its position. Continuation lines
	// of the tool's output follow after newlines.
	Message string
}

// posLine matches "file:line:col: message" and "file:line: message".
var posLine = regexp.MustCompile(`^(\S+?):(\d+)(?::(\d+))?: (.*)$`)

// ParseBuildErrors reads the output of go build or go vet for a generated
// program. Errors in cells named in sources (cell name → cell source) keep
// their cell positions; errors elsewhere (in generated scaffolding) keep
// only their message. Package headers such as "# command-line-arguments"
// are dropped, and indented continuation lines join the previous message.
func ParseBuildErrors(output []byte, sources map[string]string) []Diagnostic {
	var out []Diagnostic
	for _, line := range strings.Split(string(output), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "# "):
			continue
		case (line[0] == '\t' || line[0] == ' ') && len(out) > 0:
			out[len(out)-1].Message += "\n" + strings.TrimSpace(line)
			continue
		}
		line = strings.TrimPrefix(line, "vet: ")
		m := posLine.FindStringSubmatch(line)
		if m == nil {
			out = append(out, Diagnostic{Message: line})
			continue
		}
		d := Diagnostic{Message: m[4]}
		if cell := cellName(m[1], sources); cell != "" {
			d.Cell = cell
			d.Line, _ = strconv.Atoi(m[2])
			d.Col, _ = strconv.Atoi(m[3])
		}
		out = append(out, d)
	}
	return out
}

// cellName returns the cell that file names: the name itself, or a path
// ending in "/name".
func cellName(file string, sources map[string]string) string {
	if _, ok := sources[file]; ok {
		return file
	}
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		if _, ok := sources[file[i+1:]]; ok {
			return file[i+1:]
		}
	}
	return ""
}

// TrimCellDirs rewrites the file paths in s that end in a cell name, such
// as "asyncgo/b3/In[1]" or "/tmp/gokernel-1/b3/In[1]", to the name alone.
// Go 1.27 resolves a relative //line file name against the directory of
// the file holding the directive, so tracebacks, race reports and
// runtime.Stack output of programs built with it name cells by paths;
// Go 1.26 keeps the name as written. A path is the run of characters
// before the name up to white space, a quote or an opening bracket, and
// the name is followed by a colon, white space, a closing bracket or the end.
func TrimCellDirs(s string, names ...string) string {
	for _, name := range names {
		if !strings.Contains(s, "/"+name) {
			continue
		}
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, "/"+name)
			if i < 0 {
				break
			}
			end := i + 1 + len(name)
			if end < len(rest) && !strings.ContainsRune(": \t\n\r\"'`)]}>,;", rune(rest[end])) {
				// A longer name, such as In[1]x.
				b.WriteString(rest[:end])
				rest = rest[end:]
				continue
			}
			start := i
			for start > 0 && !strings.ContainsRune(" \t\n\r\"'`([{<=,;", rune(rest[start-1])) {
				start--
			}
			b.WriteString(rest[:start])
			b.WriteString(name)
			rest = rest[end:]
		}
		b.WriteString(rest)
		s = b.String()
	}
	return s
}

// FormatDiagnostics renders diagnostics as text: each one's position and
// message (continuation lines indented by a tab), then the cell line it
// points at and a ^ under its column.
// Sources maps cell names to cell sources.
func FormatDiagnostics(ds []Diagnostic, sources map[string]string) string {
	var b strings.Builder
	for _, d := range ds {
		if d.Cell == "" {
			b.WriteString(strings.ReplaceAll(d.Message, "\n", "\n\t") + "\n")
			continue
		}
		pos := d.Cell + ":" + strconv.Itoa(d.Line)
		if d.Col > 0 {
			pos += ":" + strconv.Itoa(d.Col)
		}
		b.WriteString(pos + ": " + strings.ReplaceAll(d.Message, "\n", "\n\t") + "\n")
		src, ok := sources[d.Cell]
		lines := strings.Split(src, "\n")
		if !ok || d.Line < 1 || d.Line > len(lines) {
			continue
		}
		text := strings.TrimRight(lines[d.Line-1], "\r")
		num := strconv.Itoa(d.Line)
		gutter := strings.Repeat(" ", len(num))
		b.WriteString("  " + num + " | " + text + "\n")
		if d.Col > 0 {
			b.WriteString("  " + gutter + " | " + caretPad(text, d.Col) + "^\n")
		}
	}
	return b.String()
}

// caretPad returns the blanks that put a caret under byte column col of
// text: tabs where text has tabs, one space per other character.
func caretPad(text string, col int) string {
	if col-1 < len(text) {
		text = text[:col-1]
	}
	var b strings.Builder
	for _, r := range text {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	if n := col - 1 - len(text); n > 0 {
		b.WriteString(strings.Repeat(" ", n))
	}
	return b.String()
}
