package timeline

import "asyncgo/helpers/display"

// DisplayData returns the timeline as SVG (image/svg+xml) with the text
// rendering (text/plain) for frontends that cannot show images.
// It implements display.Renderer.
func (t *Timeline) DisplayData() display.Data {
	return display.Data{MIME: map[string]any{"image/svg+xml": t.SVG(), "text/plain": t.Text()}}
}

// DisplayData returns the stacked timelines as SVG (image/svg+xml) with
// the text rendering (text/plain). It implements display.Renderer.
func (s *Stacked) DisplayData() display.Data {
	return display.Data{MIME: map[string]any{"image/svg+xml": s.SVG(), "text/plain": s.Text()}}
}
