package server

import (
	"path"
	"strings"
)

// historySession is the session number this kernel reports in history
// replies: history covers the current session only, so it is always 1.
const historySession = 1

// HistoryEntry is one cell that was run with store_history.
type HistoryEntry struct {
	Line  int // the cell's execution count
	Input string
	// Output is the text/plain of the cell's execute_result; nil when
	// it had none.
	Output *string
}

// History selects entries as a history_request asks:
//   - "tail": the last n entries (all when n <= 0);
//   - "range": entries with start <= Line < stop in the current session
//     (session 0 or 1; stop <= 0 means to the end);
//   - "search": entries matching a glob pattern (* and ?; the whole input
//     must match, as in IPython), the last n if n > 0, newest kept when
//     unique drops repeats.
//
// Other access types select nothing.
func History(entries []HistoryEntry, access string, session, start, stop, n int, pattern string, unique bool) []HistoryEntry {
	switch access {
	case "tail":
		return last(entries, n)
	case "range":
		if session != 0 && session != historySession {
			return nil
		}
		var out []HistoryEntry
		for _, e := range entries {
			if e.Line >= start && (stop <= 0 || e.Line < stop) {
				out = append(out, e)
			}
		}
		return out
	case "search":
		if pattern == "" {
			pattern = "*"
		}
		var out []HistoryEntry
		seen := map[string]bool{}
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if ok, err := path.Match(globForText(pattern), globForText(e.Input)); err != nil || !ok {
				continue
			}
			if unique && seen[e.Input] {
				continue
			}
			seen[e.Input] = true
			out = append(out, e)
		}
		// Collected newest first; history is reported oldest first.
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return last(out, n)
	}
	return nil
}

// globForText lets path.Match treat text with slashes and newlines as one
// name: '*' in path.Match stops at '/'.
func globForText(s string) string {
	return strings.ReplaceAll(s, "/", "\x00")
}

func last(entries []HistoryEntry, n int) []HistoryEntry {
	if n > 0 && len(entries) > n {
		entries = entries[len(entries)-n:]
	}
	return append([]HistoryEntry(nil), entries...)
}

// historyItem is how an entry appears in a history_reply: (session, line,
// input), or (session, line, (input, output)) when the request asks for
// output. Output is the text/plain of the cell's execute_result, or null
// when the cell had none, as IPython reports it.
func historyItem(e HistoryEntry, withOutput bool) []any {
	if !withOutput {
		return []any{historySession, e.Line, e.Input}
	}
	var output any
	if e.Output != nil {
		output = *e.Output
	}
	return []any{historySession, e.Line, []any{e.Input, output}}
}

// recordResult keeps the text/plain of cell line's execute_result as its
// history output.
func (k *Kernel) recordResult(line int, data map[string]any) {
	text, ok := data["text/plain"].(string)
	if !ok {
		return
	}
	for i := len(k.history) - 1; i >= 0; i-- {
		if k.history[i].Line == line {
			k.history[i].Output = &text
			return
		}
	}
}
