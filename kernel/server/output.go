package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"asyncgo/helpers/display/frame"
	"asyncgo/kernel/jupyter"
)

// output is the execution.Sink of one cell: it publishes the cell's outputs on IOPub in the order the program
// produced them. Printed text is coalesced: it is sent at most once per
// flush interval (and whenever a display or the other stream comes next),
// never splitting a UTF-8 character. Past the cell's output limit the rest
// is discarded with one notice; the program keeps running.
type output struct {
	k       *Kernel
	parent  *jupyter.Message
	silent  bool
	limit   int
	mu      sync.Mutex
	name    string // stream of the pending text
	pending []byte
	sent    int // bytes published so far
	cut     bool
	done    chan struct{}
	wg      sync.WaitGroup
}

// maxStreamMessage bounds the text of one stream message.
const maxStreamMessage = 1 << 20

func newOutput(k *Kernel, parent *jupyter.Message, silent bool, limit int, interval time.Duration) *output {
	o := &output{k: k, parent: parent, silent: silent, limit: limit, done: make(chan struct{})}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-o.done:
				return
			case <-t.C:
				o.Flush()
			}
		}
	}()
	return o
}

// close sends what is pending and stops the flusher.
func (o *output) close() {
	close(o.done)
	o.wg.Wait()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(true)
}

// Flush sends the pending text.
func (o *output) Flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(false)
}

// Stream adds printed text of stream name ("stdout" or "stderr").
func (o *output) Stream(name string, b []byte) {
	if o.silent || len(b) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.name != name && len(o.pending) > 0 {
		o.flushLocked(true)
	}
	o.name = name
	if o.cut {
		return
	}
	if room := o.limit - o.sent - len(o.pending); len(b) > room {
		o.pending = append(o.pending, b[:max(room, 0)]...)
		o.flushLocked(true)
		o.cutLocked()
		return
	}
	o.pending = append(o.pending, b...)
	if len(o.pending) >= maxStreamMessage {
		o.flushLocked(false)
	}
}

func (o *output) cutLocked() {
	o.cut = true
	o.publishLocked("stream", map[string]any{"name": "stderr", "text": fmt.Sprintf(
		"\n[gokernel: this cell's output passed %s; the rest is not shown. The program keeps running: interrupt it to stop it. Change the limit with the GOKERNEL_OUTPUT_LIMIT environment variable of the kernel.]\n",
		formatBytes(o.limit))})
}

// flushLocked publishes the pending text. Unless final, an incomplete UTF-8
// sequence at the end waits for the rest of its bytes.
func (o *output) flushLocked(final bool) {
	text := o.pending
	if len(text) == 0 {
		return
	}
	keep := 0
	if !final {
		keep = max(incompleteSuffix(text), partialCellName(text))
	}
	send := text[:len(text)-keep]
	if len(send) == 0 {
		return
	}
	o.sent += len(send)
	out := string(send)
	// Programs print cell file names in stack traces, race reports and
	// runtime.Stack output; the learner knows the cells as In[N].
	o.publishLocked("stream", map[string]any{"name": o.name, "text": o.k.exec.Names(out)})
	o.pending = append(o.pending[:0], text[len(text)-keep:]...)
}

// incompleteSuffix returns how many bytes at the end of b start a UTF-8
// sequence that is not complete yet.
func incompleteSuffix(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
}

// partialCellName returns how many bytes at the end of b may be the start
// of a cell file name (see execution's names), to hold back until the rest comes.
func partialCellName(b []byte) int {
	const prefix, hexDigits = "cell", 12
	for n := min(len(b), len(prefix)+hexDigits-1); n > 0; n-- {
		tail := b[len(b)-n:]
		if couldStartCellName(tail, prefix, hexDigits) {
			return n
		}
	}
	return 0
}

func couldStartCellName(tail []byte, prefix string, hexDigits int) bool {
	for i, c := range tail {
		if i < len(prefix) {
			if c != prefix[i] {
				return false
			}
			continue
		}
		if !strings.ContainsRune("0123456789abcdef", rune(c)) || i >= len(prefix)+hexDigits {
			return false
		}
	}
	return true
}

// Display publishes a display frame from the program.
func (o *output) Display(f *frame.Message) {
	if o.silent {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(true)
	if o.cut {
		return
	}
	size := 0
	for _, v := range f.Data {
		if s, ok := v.(string); ok {
			size += len(s)
		} else {
			size += 64
		}
	}
	if o.sent+size > o.limit && f.Type != "clear_output" {
		o.cutLocked()
		return
	}
	o.sent += size
	data, metadata := f.Data, f.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	switch f.Type {
	case "clear_output":
		o.publishLocked("clear_output", map[string]any{"wait": f.Wait})
	case "execute_result":
		o.publishLocked("execute_result", map[string]any{"data": data, "metadata": metadata, "execution_count": o.k.count})
		o.k.recordResult(o.k.count, data)
	case "display_data", "update_display_data":
		content := map[string]any{"data": data, "metadata": metadata, "transient": map[string]any{}}
		if f.DisplayID != "" {
			content["transient"] = map[string]any{"display_id": f.DisplayID}
		}
		o.publishLocked(f.Type, content)
	}
}

// BadFrame reports a display message the program got wrong, as text in
// the cell: the program keeps running.
func (o *output) BadFrame(err error) {
	o.Stream("stderr", []byte("gokernel: a display message from the program was not shown: "+err.Error()+"\n"))
}

// Input asks the frontend for a line of input on the stdin socket.
func (o *output) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return o.k.askInput(ctx, o.parent, prompt, password)
}

func (o *output) publishLocked(msgType string, content map[string]any) {
	o.k.publish(o.parent, msgType, content)
}

func formatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
