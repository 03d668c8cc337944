package server

import (
	"fmt"
	"runtime/debug"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/execution"
	"asyncgo/kernel/jupyter"
)

// DefaultMaxCell is the default bound on the code of one cell: 4 MiB, a
// hundred times the largest cell a person writes.
const DefaultMaxCell = 4 << 20

// MaxCellEnv is the environment variable from which the gokernel command
// reads Config.MaxCell.
const MaxCellEnv = "GOKERNEL_MAX_CELL"

// largeMessage is the size of a request after which the kernel returns
// the memory it used to the operating system.
const largeMessage = 1 << 20

// refuseLargeCell answers an execute_request whose code is larger than
// Config.MaxCell with an error, without running it, and reports whether it
// did. The cell still counts as executed, so the notebook's numbering
// stays in step with what the client shows.
func (k *Kernel) refuseLargeCell(r *channel.Router, m *jupyter.Message) bool {
	if m.Header.MsgType != "execute_request" || len(m.Content) <= k.cfg.MaxCell {
		return false
	}
	var req struct {
		Code   string `json:"code"`
		Silent bool   `json:"silent"`
	}
	if err := m.Decode(&req); err != nil || len(req.Code) <= k.cfg.MaxCell {
		return false
	}
	if !req.Silent {
		k.count++
	}
	failure := execution.Failure{
		Name:  "CellTooLarge",
		Value: fmt.Sprintf("this cell is %s, more than the %s a cell may be; split it into smaller cells, or read large data from a file (the kernel's %s environment variable sets the limit)", sizeText(len(req.Code)), sizeText(k.cfg.MaxCell), MaxCellEnv),
	}
	failure.Traceback = []string{failure.Name + ": " + failure.Value}
	if !req.Silent {
		k.publish(m, "error", failure)
	}
	k.reply(r, m, "execute_reply", map[string]any{"status": "error", "ename": failure.Name, "evalue": failure.Value, "traceback": failure.Traceback, "execution_count": k.count})
	return true
}

// afterLargeMessage gives the memory a large request needed back to the
// operating system: otherwise the Go runtime keeps it for minutes, and a
// kernel that once got a 50 MiB cell would hold hundreds of MiB.
func (k *Kernel) afterLargeMessage(m *jupyter.Message) {
	n := len(m.Content)
	for _, b := range m.Buffers {
		n += len(b)
	}
	if n >= largeMessage {
		m.Content, m.Buffers = nil, nil
		debug.FreeOSMemory()
	}
}

// sizeText writes n bytes in KiB or MiB.
func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
