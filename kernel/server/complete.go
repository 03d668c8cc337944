package server

import "asyncgo/kernel/jupyter"

// complete answers complete_request. Completion is not offered yet: the
// reply is a valid empty answer at the cursor.
func (k *Kernel) complete(m *jupyter.Message) map[string]any {
	var c struct {
		CursorPos int `json:"cursor_pos"`
	}
	m.Decode(&c)
	return map[string]any{"status": "ok", "matches": []string{}, "cursor_start": c.CursorPos, "cursor_end": c.CursorPos, "metadata": map[string]any{}}
}

// inspect answers inspect_request; nothing is found yet.
func (k *Kernel) inspect(m *jupyter.Message) map[string]any {
	return map[string]any{"status": "ok", "found": false, "data": map[string]any{}, "metadata": map[string]any{}}
}
