package display

import (
	"bytes"
	"html"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fallbackText is what d looks like as text outside the kernel: the first
// of text/plain, text/markdown (its source), JSON (indented), or a note
// naming the content, with a text summary for HTML.
func fallbackText(d Data) string {
	if s, ok := d.MIME["text/plain"].(string); ok {
		return s
	}
	if s, ok := d.MIME["text/markdown"].(string); ok {
		return s
	}
	for _, mime := range sortedMIME(d.MIME) {
		if !isJSON(mime) {
			continue
		}
		raw, err := encodeJSON(d.MIME[mime], "  ")
		if err == nil {
			return string(raw)
		}
	}
	if s, ok := d.MIME["text/html"].(string); ok {
		note := contentNote("text/html", len(s))
		if sum := htmlSummary(s, 200); sum != "" {
			note += "\n" + sum
		}
		return note
	}
	// Pictures first, then anything else.
	mimes := sortedMIME(d.MIME)
	sort.SliceStable(mimes, func(i, j int) bool {
		return strings.HasPrefix(mimes[i], "image/") && !strings.HasPrefix(mimes[j], "image/")
	})
	if len(mimes) == 0 {
		return "[no content]"
	}
	mime := mimes[0]
	size := -1
	switch c := d.MIME[mime].(type) {
	case string:
		size = len(c)
		if binaryImage(mime) {
			size = base64Size(c)
		}
	case []byte:
		size = len(c)
	}
	return contentNote(mime, size)
}

// contentNote names content that only a notebook can show.
func contentNote(mime string, size int) string {
	if size < 0 {
		return "[" + mime + " — run in Jupyter with gokernel to see it]"
	}
	return "[" + mime + ": " + byteSize(size) + " — run in Jupyter with gokernel to see it]"
}

// byteSize formats n bytes in decimal units: 512 B, 12.3 kB, 4.5 MB.
func byteSize(n int) string {
	switch {
	case n < 1000:
		return strconv.Itoa(n) + " B"
	case n < 1000_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
}

// base64Size returns the number of bytes that s, base64, decodes to.
func base64Size(s string) int {
	s = strings.NewReplacer("\n", "", "\r", "").Replace(s)
	return len(s)/4*3 - strings.Count(s[max(0, len(s)-2):], "=")
}

// htmlSummary returns the visible text of an HTML fragment, with spaces
// collapsed, cut to at most max runes.
func htmlSummary(s string, max int) string {
	var text bytes.Buffer
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			text.WriteString(s)
			break
		}
		text.WriteString(s[:i])
		text.WriteByte(' ')
		s = s[i:]
		// Skip scripts and styles entirely, other tags up to '>'.
		lower := strings.ToLower(s[:min(len(s), 7)])
		end := ">"
		if strings.HasPrefix(lower, "<script") {
			end = "</script>"
		} else if strings.HasPrefix(lower, "<style") {
			end = "</style>"
		}
		j := strings.Index(strings.ToLower(s), end)
		if j < 0 {
			break
		}
		s = s[j+len(end):]
	}
	out := strings.Join(strings.Fields(html.UnescapeString(text.String())), " ")
	if utf8.RuneCountInString(out) > max {
		r := []rune(out)
		out = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return out
}

func sortedMIME(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
