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

// Show shows the timeline in the notebook: as SVG in JupyterLab, as text
// outside the kernel (go run, go test). It calls display.Show.
func (t *Timeline) Show() { display.Show(t) }

// Show shows the stacked timelines, as Timeline.Show does.
func (s *Stacked) Show() { display.Show(s) }
