package timeline

// Stacked is two or more timelines drawn one above the other on the same
// time scale, so that their lengths compare at a glance (before and
// after, sequential and concurrent).
type Stacked struct {
	timelines []*Timeline
	options   Options
}

// Stack returns the timelines stacked in the given order. The picture uses
// the options of the first timeline for its width, columns, unit and axis
// end; each timeline keeps its own lane order and legend choices.
func Stack(ts ...*Timeline) *Stacked {
	s := &Stacked{timelines: append([]*Timeline(nil), ts...)}
	if len(ts) > 0 {
		s.options = ts[0].Options()
	}
	return s
}

func (s *Stacked) pictures() []picture {
	pics := make([]picture, len(s.timelines))
	for i, t := range s.timelines {
		pics[i] = t.picture()
	}
	return pics
}

// SVG draws the stacked timelines as one SVG document, with a legend
// at the top, one time axis under all of them, and a summary per timeline.
func (s *Stacked) SVG() string { return renderSVG(s.pictures(), s.options) }

// Text draws the stacked timelines as fixed-width text, as Timeline.Text
// does for one.
func (s *Stacked) Text() string { return renderText(s.pictures(), s.options) }

// String returns the text rendering, as Text does.
func (s *Stacked) String() string { return s.Text() }
