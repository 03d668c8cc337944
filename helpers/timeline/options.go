package timeline

import "time"

// LaneOrder says in which order the lanes of a timeline are drawn.
type LaneOrder int

// The lane orders.
const (
	// FirstUse draws lanes in the order their names were first used
	// (with Lane, Add or AddMark). It is the zero value.
	FirstUse LaneOrder = iota
	// ByName draws lanes sorted by name.
	ByName
	// ByStart draws lanes by the start of their earliest span or mark;
	// lanes that start together keep first-use order, and empty lanes
	// come last.
	ByStart
)

// Options change how a timeline is drawn. The zero value draws a picture
// 960 pixels wide (scaled to the page) or 72 text columns wide, lanes in
// first-use order, a legend of the kinds present, and an axis from the
// origin to the last span or mark with a unit chosen from that range.
type Options struct {
	// Width is the width of the SVG drawing in pixels before it is scaled
	// to the page; 0 means 960.
	Width int
	// Columns is the width of the text rendering in characters;
	// 0 means 72, and anything below 40 is drawn as 40.
	Columns int
	// Order is the order in which lanes are drawn.
	Order LaneOrder
	// Legend lists the kinds the legend shows, in order. Nil shows the
	// kinds present in the timeline: built-in kinds first, then custom
	// kinds by name.
	Legend []Kind
	// Unit is the unit of the axis labels: one of time.Nanosecond,
	// time.Microsecond, time.Millisecond, time.Second, time.Minute or
	// time.Hour. 0 (or any other value) chooses a unit from the range.
	Unit time.Duration
	// End is where the axis ends; 0 means at the last span or mark.
	End time.Duration
}

// SetOptions sets the options used by SVG, Text, String and DisplayData.
func (t *Timeline) SetOptions(o Options) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.options = o
}

// Options returns the options set with SetOptions.
func (t *Timeline) Options() Options {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.options
	o.Legend = append([]Kind(nil), o.Legend...)
	return o
}
