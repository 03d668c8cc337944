package timeline

import (
	"strings"

	"asyncgo/helpers/display"
)

// DisplayData returns the timeline as HTML (text/html, see htmlImage) with
// the text rendering (text/plain) for frontends that cannot show HTML.
// It implements display.Renderer.
func (t *Timeline) DisplayData() display.Data {
	return display.Data{MIME: map[string]any{"text/html": htmlImage(t.SVG(), "timeline "+t.title), "text/plain": t.Text()}}
}

// DisplayData returns the stacked timelines as HTML (text/html, see
// htmlImage) with the text rendering (text/plain). It implements
// display.Renderer.
func (s *Stacked) DisplayData() display.Data {
	titles := make([]string, len(s.timelines))
	for i, t := range s.timelines {
		titles[i] = t.title
	}
	alt := "timelines " + strings.Join(titles, ", ")
	return display.Data{MIME: map[string]any{"text/html": htmlImage(s.SVG(), alt), "text/plain": s.Text()}}
}

// htmlImage returns the SVG drawing svg as an HTML output that every Jupyter
// frontend shows as a picture, trusted or not: an <img> whose source is
// the drawing as a data: URL, with alt as its alternative text.
//
// The image is as wide as the output area, as the inline SVG is (an
// <img> of an SVG whose width is a percentage would otherwise be 300
// pixels wide).
//
// A notebook opened fresh is untrusted, so JupyterLab and the classic
// Notebook sanitize its HTML (and do not show image/svg+xml at all): the
// <img> stays and shows the drawing in fixed colours. Where the output
// is trusted (once the learner runs the cell, in a trusted notebook, or
// in a page exported by nbconvert), the image's onload attribute
// replaces it with the same SVG inline, so that its text takes the
// theme's colours (the --jp-* CSS variables) and its <title> elements
// show as hover details.
func htmlImage(svg, alt string) string {
	var b strings.Builder
	b.WriteString(`<img src="data:image/svg+xml;charset=utf-8,`)
	dataURLEscaper.WriteString(&b, strings.TrimSpace(svg))
	b.WriteString(`" alt="`)
	b.WriteString(escape(strings.TrimSpace(alt)))
	// The attribute holds the drawing percent-encoded: decoding it gives
	// the SVG back, which replaces the image in the page.
	b.WriteString(`" width="100%" onload="this.outerHTML=decodeURIComponent(this.getAttribute('src').slice(this.getAttribute('src').indexOf(',')+1))">`)
	return b.String()
}

// dataURLEscaper percent-encodes what a data: URL inside a double-quoted
// HTML attribute cannot hold as it is: the escape character itself, the
// start of a fragment, white space the URL parser drops, and HTML markup.
var dataURLEscaper = strings.NewReplacer(
	"%", "%25", "#", "%23", "\n", "%0A", "\r", "%0D", "\t", "%09",
	`"`, "%22", "&", "%26", "<", "%3C", ">", "%3E",
)

// Show shows the timeline in the notebook: as a picture in JupyterLab,
// as text outside the kernel (go run, go test). It calls display.Show.
func (t *Timeline) Show() { display.Show(t) }

// Show shows the stacked timelines, as Timeline.Show does.
func (s *Stacked) Show() { display.Show(s) }
