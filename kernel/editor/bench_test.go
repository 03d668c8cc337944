package editor_test

import (
	"context"
	"testing"
	"time"

	"asyncgo/kernel/editor"
)

// BenchmarkComplete measures one completion of "fmt.Pri" after an earlier
// cell, answered by warm gopls and by the type-checker fallback, side by
// side. The goal for warm gopls is under 200 ms on a 2-core machine.
func BenchmarkComplete(b *testing.B) {
	s := session(b, "type point struct{ X, Y int }\n\nfunc (p point) Sum() int { return p.X + p.Y }")
	// Two versions of the cell, as when typing, so every request sends
	// gopls a changed document.
	codes := []string{"p := point{1, 2}\nfmt.Pri", "p := point{1, 3}\nfmt.Pr"}
	for _, bc := range []struct{ name, gopls, source string }{
		{"gopls-warm", "", "gopls"},
		{"fallback", "off", "go/types"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.gopls == "" {
				requireGopls(b)
			}
			e := newEditor(b, bc.gopls)
			var qs []*editor.Query
			for _, code := range codes {
				qs = append(qs, editor.NewQuery(s, code, len(code)))
			}
			completeFrom(b, e, qs[0], bc.source) // start, load packages, warm caches
			b.ResetTimer()
			start := time.Now()
			i := 0
			for b.Loop() {
				i++
				if c := e.Complete(context.Background(), qs[i%2]); c.Source != bc.source || len(c.Matches) == 0 {
					b.Fatalf("answer from %s with %d matches", c.Source, len(c.Matches))
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/completion")
		})
	}
}
