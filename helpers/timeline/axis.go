package timeline

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// tickSteps lists the distances between axis ticks, smallest first:
// 1, 2 and 5 times a power of ten up to 50 s, then steps that suit
// minutes and hours.
var tickSteps = func() []time.Duration {
	var steps []time.Duration
	for p := time.Duration(1); p < 100*time.Second; p *= 10 {
		steps = append(steps, p, 2*p, 5*p)
	}
	steps = append(steps,
		time.Minute, 2*time.Minute, 5*time.Minute, 10*time.Minute, 15*time.Minute, 30*time.Minute,
		time.Hour, 2*time.Hour, 3*time.Hour, 6*time.Hour, 12*time.Hour)
	for p := 24 * time.Hour; p < 1e6*time.Hour; p *= 10 {
		steps = append(steps, p, 2*p, 5*p)
	}
	return steps
}()

// axis is a time range from 0 to end with ticks every step, labelled in unit.
type axis struct {
	end  time.Duration
	step time.Duration
	unit time.Duration
}

// newAxis returns an axis from 0 to end with about maxTicks ticks or fewer.
// A unit other than the six named ones is chosen from the step.
func newAxis(end time.Duration, maxTicks int, unit time.Duration) axis {
	if end <= 0 {
		end = 1
	}
	if maxTicks < 1 {
		maxTicks = 1
	}
	// A range of minutes or more (or labels in minutes or hours) gets
	// ticks on whole minutes: 50 s steps would read "0.8 min, 1.7 min".
	wholeMinutes := end >= 2*time.Minute || unit == time.Minute || unit == time.Hour
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if wholeMinutes && s < time.Minute {
			continue
		}
		if end/s <= time.Duration(maxTicks) {
			step = s
			break
		}
	}
	switch unit {
	case time.Nanosecond, time.Microsecond, time.Millisecond, time.Second, time.Minute, time.Hour:
	default:
		unit = unitFor(step, end)
	}
	return axis{end: end, step: step, unit: unit}
}

// unitFor picks the unit for the labels of ticks step apart on an axis
// that ends at end: hours or minutes from steps of an hour or a minute,
// otherwise the largest of ns, µs, ms and s that is not longer than the
// axis, so that labels read "0.5 ms" rather than "500000 ns".
func unitFor(step, end time.Duration) time.Duration {
	switch {
	case step >= time.Hour:
		return time.Hour
	case step >= time.Minute:
		return time.Minute
	}
	unit := time.Nanosecond
	for _, u := range []time.Duration{time.Microsecond, time.Millisecond, time.Second} {
		if end >= u {
			unit = u
		}
	}
	return unit
}

// ticks returns the tick positions from 0 to the end of the axis.
func (a axis) ticks() []time.Duration {
	var ts []time.Duration
	for t := time.Duration(0); t <= a.end; t += a.step {
		ts = append(ts, t)
	}
	return ts
}

// label formats a tick: the number in the axis unit, with the unit name
// on every label (tick labels are read one at a time).
func (a axis) label(t time.Duration) string {
	if t == 0 {
		return "0"
	}
	decimals := 0
	for d := a.unit; d > a.step && decimals < 9; d /= 10 {
		decimals++
	}
	return trimNumber(strconv.FormatFloat(float64(t)/float64(a.unit), 'f', decimals, 64)) + " " + unitName(a.unit)
}

func unitName(u time.Duration) string {
	switch u {
	case time.Nanosecond:
		return "ns"
	case time.Microsecond:
		return "µs"
	case time.Millisecond:
		return "ms"
	case time.Second:
		return "s"
	case time.Minute:
		return "min"
	default:
		return "h"
	}
}

// trimNumber drops trailing zeros after a decimal point, and the point.
func trimNumber(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatDuration writes d exactly and readably: "250 ns", "1.5 ms",
// "12.25 s", "3 min", "1 h 2 min 30 s".
func formatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + formatDuration(-d)
	}
	if d < time.Minute {
		unit := time.Nanosecond
		for _, u := range []time.Duration{time.Microsecond, time.Millisecond, time.Second} {
			if d >= u {
				unit = u
			}
		}
		whole, frac := d/unit, d%unit
		s := strconv.FormatInt(int64(whole), 10)
		if frac != 0 {
			digits := int(math.Round(math.Log10(float64(unit))))
			f := strconv.FormatInt(int64(frac), 10)
			s += "." + strings.TrimRight(strings.Repeat("0", digits-len(f))+f, "0")
		}
		return s + " " + unitName(unit)
	}
	var parts []string
	if h := d / time.Hour; h > 0 {
		parts = append(parts, strconv.FormatInt(int64(h), 10)+" h")
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		parts = append(parts, strconv.FormatInt(int64(m), 10)+" min")
	}
	if s := d % time.Minute; s > 0 {
		parts = append(parts, formatDuration(s))
	}
	return strings.Join(parts, " ")
}
