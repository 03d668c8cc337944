package server

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// State is what the kernel process itself uses, for %kernel and for
// tests that check the kernel does not grow as cells run.
type State struct {
	Goroutines int
	HeapBytes  uint64 // live heap
	RSSBytes   uint64 // resident memory, where the system reports it
	OpenFiles  int    // open file descriptors, where the system reports them
	Cells      int    // execute requests served
}

// State reports the kernel's current state.
func (k *Kernel) State() State {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := State{Goroutines: runtime.NumGoroutine(), HeapBytes: ms.HeapAlloc, Cells: k.count + k.silent, OpenFiles: -1}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		s.OpenFiles = len(fds)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			var kb uint64
			if _, err := fmt.Sscanf(l, "VmRSS: %d kB", &kb); err == nil {
				s.RSSBytes = kb << 10
			}
		}
	}
	return s
}

// stateText is the kernel's state as %kernel shows it, below the version
// line execution writes.
func (k *Kernel) stateText() string {
	s := k.State()
	var b strings.Builder
	fmt.Fprintf(&b, "cells run: %d\ngoroutines: %d\nheap: %.1f MiB\n", s.Cells, s.Goroutines, float64(s.HeapBytes)/(1<<20))
	if s.RSSBytes > 0 {
		fmt.Fprintf(&b, "resident memory: %.1f MiB\n", float64(s.RSSBytes)/(1<<20))
	}
	if s.OpenFiles >= 0 {
		fmt.Fprintf(&b, "open files: %d\n", s.OpenFiles)
	}
	return b.String()
}
