package server

import (
	"context"
	"time"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/editor"
	"asyncgo/kernel/jupyter"
)

// editorDeadline bounds one complete or inspect request, fallback
// included.
const editorDeadline = 10 * time.Second

// editorRequest answers complete_request and inspect_request. The query
// is prepared here, on the shell goroutine that owns the session; the
// answer is computed on a goroutine of its own (owned by k.editorWG), so
// that an execute_request behind it is not delayed. That goroutine sends
// busy, the reply and idle.
func (k *Kernel) editorRequest(ctx context.Context, r *channel.Router, m *jupyter.Message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   int    `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	m.Decode(&c)
	q := editor.NewQuery(k.exec.Session(), c.Code, c.CursorPos)
	k.editorWG.Add(1)
	go func() {
		defer k.editorWG.Done()
		k.publishStatus(m, "busy")
		defer k.publishStatus(m, "idle")
		ctx, cancel := context.WithTimeout(ctx, editorDeadline)
		defer cancel()
		if m.Header.MsgType == "inspect_request" {
			k.reply(r, m, "inspect_reply", inspectReply(k.editor.Inspect(ctx, q, c.DetailLevel)))
			return
		}
		k.reply(r, m, "complete_reply", completeReply(k.editor.Complete(ctx, q)))
	}()
}

// completeReply is the content of a complete_reply.
func completeReply(c *editor.Completion) map[string]any {
	matches := make([]string, 0, len(c.Matches))
	typed := make([]map[string]any, 0, len(c.Matches))
	for _, m := range c.Matches {
		matches = append(matches, m.Text)
		typed = append(typed, map[string]any{"start": c.Start, "end": c.End, "text": m.Text, "type": m.Kind, "signature": m.Signature})
	}
	meta := map[string]any{"_jupyter_types_experimental": typed, "gokernel_source": c.Source}
	if c.Note != "" {
		meta["gokernel_note"] = c.Note
	}
	return map[string]any{"status": "ok", "matches": matches, "cursor_start": c.Start, "cursor_end": c.End, "metadata": meta}
}

// inspectReply is the content of an inspect_reply.
func inspectReply(in *editor.Inspection) map[string]any {
	data := map[string]any{}
	if in.Found {
		text := in.Text
		if in.Note != "" {
			text += "\n\n" + in.Note
		}
		data["text/plain"] = text
		data["text/markdown"] = in.Markdown
	}
	meta := map[string]any{"gokernel_source": in.Source}
	if in.Note != "" {
		meta["gokernel_note"] = in.Note
	}
	return map[string]any{"status": "ok", "found": in.Found, "data": data, "metadata": meta}
}
