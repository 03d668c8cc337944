package nbrun

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"asyncgo/kernel/notebook"
)

// CellDiff is a cell whose fresh outputs differ from the stored ones.
type CellDiff struct {
	// Cell is the cell's number, from 1 over all cells.
	Cell int
	// Source is the cell's source.
	Source string
	// ShapeOnly is set for cells tagged nondeterministic.
	ShapeOnly bool
	// Expected and Got are the stored and fresh outputs rendered as
	// lines of text, normalised as they were compared.
	Expected, Got []string
}

var (
	ansiEscape  = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)
	normalisers = []struct {
		re   *regexp.Regexp
		repl string
	}{
		// Timestamps: 2006-01-02T15:04:05.999Z07:00 and 2006-01-02 15:04:05.
		{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`), "<time>"},
		// Durations as time.Duration prints them: 1h2m3.5s, 12.3ms, 1.2µs, 800ns.
		{regexp.MustCompile(`\b(\d+(\.\d+)?(ns|us|µs|μs|ms|h|m|s))+\b`), "<duration>"},
		// Program-counter offsets in tracebacks: +0x1d.
		{regexp.MustCompile(`\+0x[0-9a-fA-F]+\b`), "+0x<offset>"},
		// Addresses: 0x followed by six or more hex digits.
		{regexp.MustCompile(`\b0x[0-9a-fA-F]{6,}\b`), "0x<addr>"},
		// Goroutine numbers: "goroutine 17", "created by ... in goroutine 6".
		{regexp.MustCompile(`\bgoroutine \d+\b`), "goroutine <n>"},
	}
)

// Normalize replaces the parts of an output's text that differ from run to
// run, so that Check compares what matters:
//
//   - timestamps like 2026-01-02T15:04:05.123Z or 2026-01-02 15:04:05
//     become <time>;
//   - durations as Go prints them (800ns, 1.2µs, 12.3ms, 1.5s, 1h2m3s)
//     become <duration>;
//   - program-counter offsets like +0x1d become +0x<offset>;
//   - hexadecimal numbers of six or more digits (addresses such as
//     0xc000012345) become 0x<addr>; shorter ones are kept;
//   - goroutine numbers ("goroutine 17") become "goroutine <n>".
//
// Other numbers are kept: a count that changes is a real difference.
func Normalize(s string) string {
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// compareCells compares the outputs of the cells at the indexes in ran.
func compareCells(stored, fresh *notebook.Notebook, ran []int) []CellDiff {
	var diffs []CellDiff
	for _, i := range ran {
		cell := fresh.Cells[i]
		shape := cell.HasTag(TagNondeterministic)
		want := renderOutputs(stored.Cells[i].Outputs, shape)
		got := renderOutputs(cell.Outputs, shape)
		if !slices.Equal(want, got) {
			diffs = append(diffs, CellDiff{Cell: i + 1, Source: cell.Source, ShapeOnly: shape, Expected: want, Got: got})
		}
	}
	return diffs
}

// renderOutputs turns outputs into normalised lines: a header line per
// output, in brackets, followed by its content unless shapeOnly.
func renderOutputs(outs []*notebook.Output, shapeOnly bool) []string {
	var lines []string
	add := func(header, content string) {
		lines = append(lines, header)
		if shapeOnly || content == "" {
			return
		}
		content = Normalize(ansiEscape.ReplaceAllString(content, ""))
		for _, l := range notebook.SplitLines(content) {
			lines = append(lines, "  "+strings.TrimRight(l, "\r\n"))
		}
	}
	for i, o := range outs {
		switch o.Type {
		case notebook.StreamOutput:
			if shapeOnly {
				// stdout and stderr are two pipes with no common order, so
				// how they interleave varies: a run of stream outputs is
				// one step of the shape, whatever its names.
				if i == 0 || outs[i-1].Type != notebook.StreamOutput {
					add("[stream]", "")
				}
				continue
			}
			add("["+o.Name+"]", o.Text)
		case notebook.ErrorOutput:
			add("[error]", o.EName+": "+o.EValue+"\n"+strings.Join(o.Traceback, "\n"))
		case notebook.DisplayDataOutput, notebook.ExecuteResultOutput:
			mimes := make([]string, 0, len(o.Data))
			for m := range o.Data {
				mimes = append(mimes, m)
			}
			slices.Sort(mimes)
			for _, m := range mimes {
				add("["+o.Type+" "+m+"]", mimeText(m, o.Data[m]))
			}
			if len(o.Metadata) > 0 && !shapeOnly {
				add("["+o.Type+" metadata]", jsonText(o.Metadata))
			}
		default:
			add("["+o.Type+"]", "")
		}
	}
	return lines
}

// mimeText renders one MIME value: text as it is, binary data by digest,
// JSON values as indented JSON.
func mimeText(mime string, v any) string {
	s, ok := v.(string)
	if !ok {
		return jsonText(v)
	}
	if strings.HasPrefix(mime, "text/") || strings.HasSuffix(mime, "+xml") || mime == "application/javascript" {
		return s
	}
	return fmt.Sprintf("%d bytes, sha256 %x", len(s), sha256.Sum256([]byte(s)))
}

func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("unprintable JSON: %v", err)
	}
	return buf.String()
}

// lineDiff returns a line diff of a and b: lines only in a start with
// "- ", lines only in b with "+ ", common lines with "  ". Runs of common
// lines longer than 2*context are cut to context lines on each side.
func lineDiff(a, b []string, context int) []string {
	// Longest common subsequence table, from the ends.
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out, same []string
	flush := func(last bool) {
		head, tail := context, context
		if len(out) == 0 {
			head = 0
		}
		if last {
			tail = 0
		}
		if len(same) > head+tail+1 {
			out = append(out, same[:head]...)
			out = append(out, fmt.Sprintf("  ... %d equal lines", len(same)-head-tail))
			out = append(out, same[len(same)-tail:]...)
		} else {
			out = append(out, same...)
		}
		same = same[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			same = append(same, "  "+a[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			flush(false)
			out = append(out, "- "+a[i])
			i++
		default:
			flush(false)
			out = append(out, "+ "+b[j])
			j++
		}
	}
	flush(true)
	return out
}
