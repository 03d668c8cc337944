package notebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeJSON parses JSON text into maps, slices, strings, bools, nil and
// json.Number values, keeping each number's spelling.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the top-level value")
	}
	return v, nil
}

// encodePython writes v as Python's json.dumps(v, indent=1,
// sort_keys=True, separators=(",", ": "), ensure_ascii=False) does.
func encodePython(buf *bytes.Buffer, v any, depth int) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case string:
		writeString(buf, v)
	case json.Number:
		buf.WriteString(v.String())
	case int:
		buf.WriteString(strconv.Itoa(v))
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case float64:
		s, err := pythonFloat(v)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case []any:
		if len(v) == 0 {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteString("[")
		for i, e := range v {
			if i > 0 {
				buf.WriteString(",")
			}
			newline(buf, depth+1)
			if err := encodePython(buf, e, depth+1); err != nil {
				return err
			}
		}
		newline(buf, depth)
		buf.WriteString("]")
	case []string:
		list := make([]any, len(v))
		for i, s := range v {
			list[i] = s
		}
		return encodePython(buf, list, depth)
	case MIMEBundle:
		return encodePython(buf, map[string]any(v), depth)
	case map[string]any:
		if len(v) == 0 {
			buf.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(",")
			}
			newline(buf, depth+1)
			writeString(buf, k)
			buf.WriteString(": ")
			if err := encodePython(buf, v[k], depth+1); err != nil {
				return err
			}
		}
		newline(buf, depth)
		buf.WriteString("}")
	default:
		// Any other Go value: encode it with encoding/json, then rewrite
		// the result in Python's layout.
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("cannot write %T in a notebook: %w", v, err)
		}
		g, err := decodeJSON(b)
		if err != nil {
			return err
		}
		return encodePython(buf, g, depth)
	}
	return nil
}

func newline(buf *bytes.Buffer, depth int) {
	buf.WriteByte('\n')
	for range depth {
		buf.WriteByte(' ')
	}
}

// writeString writes s as a JSON string escaped like Python's json module
// with ensure_ascii=False: only quotes, backslashes and control characters
// are escaped.
func writeString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r == '\b':
			buf.WriteString(`\b`)
		case r == '\f':
			buf.WriteString(`\f`)
		case r < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hex[r>>4])
			buf.WriteByte(hex[r&0xf])
		default:
			buf.WriteRune(r) // invalid UTF-8 becomes U+FFFD
		}
	}
	buf.WriteByte('"')
}

// pythonFloat formats f as Python's repr does.
func pythonFloat(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("cannot write %v in a notebook: JSON has no such number", f)
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0", nil
		}
		return "0.0", nil
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, err := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if err != nil {
		return "", fmt.Errorf("formatting %v: %w", f, err)
	}
	if exp < -4 || exp >= 16 {
		return e, nil
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s, nil
}

// SplitLines splits s after each line boundary the way Python's
// str.splitlines(keepends=True) does, which is how nbformat stores
// multiline strings: the boundaries are \n, \r, \r\n, \v, \f, \x1c, \x1d,
// \x1e, U+0085, U+2028 and U+2029. The empty string has no lines.
func SplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := -1
		switch r {
		case '\r':
			end = i + 1
			if end < len(s) && s[end] == '\n' {
				end++
			}
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end = i + size
		}
		if end < 0 {
			i += size
			continue
		}
		lines = append(lines, s[start:end])
		start, i = end, end
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
