package timeline

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The colours of the built-in kinds must stay apart for everybody. These
// tests simulate the three common colour-vision deficiencies with the
// model of Machado, Oliveira and Fernandes (2009) at severity 1.0 and
// measure differences with CIEDE2000 (ΔE00: about 1 is just noticeable,
// above 10 colours are told apart at a glance).
const (
	// minColourDistance is the least ΔE00 between the colours of two
	// built-in kinds (a solid bar, an outline) for every vision.
	minColourDistance = 20
	// minFillDistance is the least ΔE00 between the fills of two kinds
	// as drawn: tints are mixed with the background, so they are closer.
	minFillDistance = 10
	// minBackgroundDistance is the least ΔE00 between a kind's colour
	// and the page, light or dark.
	minBackgroundDistance = 20
)

// rgb is a colour in sRGB, each component from 0 to 1.
type rgb [3]float64

func parseHex(t *testing.T, s string) rgb {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 {
		t.Fatalf("colour %q is not #rrggbb", s)
	}
	return rgb{float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255}
}

func linear(c float64) float64 {
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

func gamma(c float64) float64 {
	c = min(max(c, 0), 1)
	if c <= 0.0031308 {
		return 12.92 * c
	}
	return 1.055*math.Pow(c, 1/2.4) - 0.055
}

// machado holds the simulation matrices of Machado et al. (2009) for
// severity 1.0, applied to linear RGB.
var machado = map[string][3][3]float64{
	"protanopia":   {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
	"tritanopia":   {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}},
}

var visions = []string{"normal", "protanopia", "deuteranopia", "tritanopia"}

// simulate returns c as seen with the given vision.
func simulate(c rgb, vision string) rgb {
	m, ok := machado[vision]
	if !ok {
		return c
	}
	l := rgb{linear(c[0]), linear(c[1]), linear(c[2])}
	var out rgb
	for i := range out {
		out[i] = gamma(m[i][0]*l[0] + m[i][1]*l[1] + m[i][2]*l[2])
	}
	return out
}

// lab converts sRGB to CIELAB with the D65 white point.
func lab(c rgb) [3]float64 {
	r, g, b := linear(c[0]), linear(c[1]), linear(c[2])
	x := (0.4124564*r + 0.3575761*g + 0.1804375*b) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := (0.0193339*r + 0.1191920*g + 0.9503041*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// ciede2000 returns the CIEDE2000 colour difference of two CIELAB
// colours (Sharma, Wu and Dalal, 2005).
func ciede2000(p, q [3]float64) float64 {
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		d := math.Atan2(b, a) * 180 / math.Pi
		if d < 0 {
			d += 360
		}
		return d
	}
	pow7 := func(x float64) float64 { return math.Pow(x, 7) }
	l1, a1, b1 := p[0], p[1], p[2]
	l2, a2, b2 := q[0], q[1], q[2]
	cMean := (math.Hypot(a1, b1) + math.Hypot(a2, b2)) / 2
	g := 0.5 * (1 - math.Sqrt(pow7(cMean)/(pow7(cMean)+pow7(25))))
	a1, a2 = (1+g)*a1, (1+g)*a2
	c1, c2 := math.Hypot(a1, b1), math.Hypot(a2, b2)
	h1, h2 := hue(b1, a1), hue(b2, a2)

	dh := h2 - h1
	switch {
	case c1*c2 == 0:
		dh = 0
	case dh > 180:
		dh -= 360
	case dh < -180:
		dh += 360
	}
	dL, dC := l2-l1, c2-c1
	dH := 2 * math.Sqrt(c1*c2) * math.Sin(rad(dh/2))

	lMean, cMean := (l1+l2)/2, (c1+c2)/2
	hMean := h1 + h2
	switch {
	case c1*c2 == 0:
	case math.Abs(h1-h2) <= 180:
		hMean /= 2
	case h1+h2 < 360:
		hMean = (hMean + 360) / 2
	default:
		hMean = (hMean - 360) / 2
	}
	tt := 1 - 0.17*math.Cos(rad(hMean-30)) + 0.24*math.Cos(rad(2*hMean)) +
		0.32*math.Cos(rad(3*hMean+6)) - 0.20*math.Cos(rad(4*hMean-63))
	dTheta := 30 * math.Exp(-math.Pow((hMean-275)/25, 2))
	rc := 2 * math.Sqrt(pow7(cMean)/(pow7(cMean)+pow7(25)))
	sl := 1 + 0.015*math.Pow(lMean-50, 2)/math.Sqrt(20+math.Pow(lMean-50, 2))
	sc := 1 + 0.045*cMean
	sh := 1 + 0.015*cMean*tt
	rt := -math.Sin(rad(2*dTheta)) * rc
	return math.Sqrt(math.Pow(dL/sl, 2) + math.Pow(dC/sc, 2) + math.Pow(dH/sh, 2) + rt*(dC/sc)*(dH/sh))
}

// distance is the ΔE00 of two sRGB colours as seen with vision.
func distance(a, b rgb, vision string) float64 {
	return ciede2000(lab(simulate(a, vision)), lab(simulate(b, vision)))
}

func TestCIEDE2000(t *testing.T) {
	// Pairs and differences from the test data of Sharma et al. (2005).
	for _, tt := range []struct {
		p, q [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, 0, 0}, [3]float64{50, -1, 2}, 2.3669},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{60.2574, -34.0099, 36.2677}, [3]float64{60.4626, -34.1751, 39.4387}, 1.2644},
		{[3]float64{2.0776, 0.0795, -1.1350}, [3]float64{0.9033, -0.0636, -0.5514}, 0.9082},
	} {
		if got := ciede2000(tt.p, tt.q); math.Abs(got-tt.want) > 5e-4 {
			t.Errorf("ciede2000(%v, %v) = %.4f, want %.4f", tt.p, tt.q, got, tt.want)
		}
		if got := ciede2000(tt.q, tt.p); math.Abs(got-tt.want) > 5e-4 {
			t.Errorf("ciede2000(%v, %v) = %.4f, want %.4f (reversed)", tt.q, tt.p, got, tt.want)
		}
	}
}

func TestSimulation(t *testing.T) {
	red, green := parseHex(t, "#ff0000"), parseHex(t, "#00ff00")
	blue, yellow := parseHex(t, "#0000ff"), parseHex(t, "#ffff00")
	for _, v := range visions {
		// Greys stay as they are.
		for _, g := range []string{"#000000", "#777777", "#ffffff"} {
			if d := distance(parseHex(t, g), parseHex(t, g), v); d != 0 {
				t.Errorf("%s: %s is not itself", v, g)
			}
			c := parseHex(t, g)
			if d := ciede2000(lab(c), lab(simulate(c, v))); d > 1 {
				t.Errorf("%s changes grey %s by ΔE00 %.1f", v, g, d)
			}
		}
	}
	// What each deficiency loses: red-green for protanopes and
	// deuteranopes, blue-yellow for tritanopes.
	if n, d := distance(red, green, "normal"), distance(red, green, "deuteranopia"); d > n/2 {
		t.Errorf("deuteranopia keeps red and green apart: ΔE00 %.1f of %.1f", d, n)
	}
	if n, p := distance(red, green, "normal"), distance(red, green, "protanopia"); p > n/2 {
		t.Errorf("protanopia keeps red and green apart: ΔE00 %.1f of %.1f", p, n)
	}
	if n, tr := distance(blue, yellow, "normal"), distance(blue, yellow, "tritanopia"); tr > n/2 {
		t.Errorf("tritanopia keeps blue and yellow apart: ΔE00 %.1f of %.1f", tr, n)
	}
	if n, d := distance(blue, yellow, "normal"), distance(blue, yellow, "deuteranopia"); d < n/2 {
		t.Errorf("deuteranopia loses blue and yellow: ΔE00 %.1f of %.1f", d, n)
	}
}

// opacity reads one of the drawing's opacities.
func opacity(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1 {
		t.Fatalf("opacity %q is not in (0, 1]", s)
	}
	return f
}

// fill returns how a kind's area looks on bg: a solid colour, a tint
// mixed with the background, or a hatch, mixed by the share of its area
// each part covers.
func fill(t *testing.T, lk look, bg rgb) rgb {
	c := parseHex(t, lk.color)
	alpha := 1.0
	switch {
	case lk.hatch:
		tint := opacity(t, hatchTint)
		alpha = tint + (1-tint)*opacity(t, hatchStripe)*2/8
	case !lk.solid:
		alpha = opacity(t, tintOpacity)
	}
	var out rgb
	for i := range out {
		out[i] = alpha*c[i] + (1-alpha)*bg[i]
	}
	return out
}

// paletteProblems measures the looks of the built-in kinds for every
// vision on light and dark pages, and returns what falls short of the
// minimums and a report of the least distances.
func paletteProblems(t *testing.T, lookOf func(Kind) look) (problems []string, report string) {
	backgrounds := []struct {
		name, colour string
	}{{"light", "#ffffff"}, {"dark", "#111111"}}
	var r strings.Builder
	fmt.Fprintf(&r, "least ΔE00 between built-in kinds (colours / fills as drawn / kind against page):\n")
	for _, v := range visions {
		for _, b := range backgrounds {
			bg := parseHex(t, b.colour)
			minC, minF, minB := math.Inf(1), math.Inf(1), math.Inf(1)
			var worstC, worstF string
			for i, k := range builtinKinds {
				ck := parseHex(t, lookOf(k).color)
				d := distance(ck, bg, v)
				minB = min(minB, d)
				if d < minBackgroundDistance {
					problems = append(problems, fmt.Sprintf("%s, %s page: %s (%s) is ΔE00 %.1f from the page, want at least %d",
						v, b.name, k, lookOf(k).color, d, minBackgroundDistance))
				}
				for _, o := range builtinKinds[i+1:] {
					co := parseHex(t, lookOf(o).color)
					if d := distance(ck, co, v); d < minC {
						minC, worstC = d, fmt.Sprintf("%s-%s", k, o)
					}
					if d := distance(fill(t, lookOf(k), bg), fill(t, lookOf(o), bg), v); d < minF {
						minF, worstF = d, fmt.Sprintf("%s-%s", k, o)
					}
				}
			}
			if minC < minColourDistance {
				problems = append(problems, fmt.Sprintf("%s, %s page: colours of %s are ΔE00 %.1f apart, want at least %d",
					v, b.name, worstC, minC, minColourDistance))
			}
			if minF < minFillDistance {
				problems = append(problems, fmt.Sprintf("%s, %s page: fills of %s are ΔE00 %.1f apart, want at least %d",
					v, b.name, worstF, minF, minFillDistance))
			}
			wb := distance(parseHex(t, lookOf(Waiting).color), parseHex(t, lookOf(Blocked).color), v)
			fmt.Fprintf(&r, "  %-12s %-5s  %5.1f (%s)  %5.1f (%s)  %5.1f  waiting-blocked %5.1f\n",
				v, b.name, minC, worstC, minF, worstF, minB, wb)
		}
	}
	return problems, r.String()
}

func TestPaletteUnderColourVisionDeficiencies(t *testing.T) {
	problems, report := paletteProblems(t, lookOf)
	for _, p := range problems {
		t.Error(p)
	}
	t.Log(report)
}

func TestPaletteCheckFailsOnPoorPalettes(t *testing.T) {
	// The palette before this check: amber waiting and red blocked that
	// deuteranopes confuse, tinted alike.
	before := map[Kind]look{
		Running: {color: "#3b82f6", solid: true}, Waiting: {color: "#f59e0b"},
		Runnable: {color: "#9ca3af", dash: true}, Blocked: {color: "#ef4444"},
	}
	// Red and green of equal lightness, which deuteranopes cannot tell
	// apart.
	redGreen := map[Kind]look{
		Running: {color: "#2157bb", solid: true}, Waiting: {color: "#d62728"},
		Runnable: {color: "#90929d", dash: true}, Blocked: {color: "#2ca02c", hatch: true},
	}
	for _, tt := range []struct {
		name    string
		palette map[Kind]look
		want    []string
	}{
		{"before", before, []string{"deuteranopia, light page: colours of waiting-blocked", "tritanopia, light page: fills of waiting-blocked"}},
		{"red and green", redGreen, []string{"deuteranopia, light page: colours of waiting-blocked", "deuteranopia, dark page: fills of waiting-blocked"}},
	} {
		problems, _ := paletteProblems(t, func(k Kind) look { return tt.palette[k] })
		all := strings.Join(problems, "\n")
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: problems do not include %q:\n%s", tt.name, w, all)
			}
		}
	}
}

func TestRunningLabelsAreReadable(t *testing.T) {
	// White labels on solid running spans: WCAG contrast of at least 4.5.
	lum := func(c rgb) float64 { return 0.2126*linear(c[0]) + 0.7152*linear(c[1]) + 0.0722*linear(c[2]) }
	c := parseHex(t, lookOf(Running).color)
	if ratio := 1.05 / (lum(c) + 0.05); ratio < 4.5 {
		t.Errorf("white on running (%s) has contrast %.2f, want at least 4.5", lookOf(Running).color, ratio)
	}
}

func TestKindsDifferBeyondColour(t *testing.T) {
	// Without colour each built-in kind still has its own drawing.
	seen := map[[3]bool]Kind{}
	for _, k := range builtinKinds {
		lk := lookOf(k)
		cue := [3]bool{lk.solid, lk.dash, lk.hatch}
		if o, ok := seen[cue]; ok {
			t.Errorf("%s and %s are drawn alike but for their colour", o, k)
		}
		seen[cue] = k
	}
}

func TestBlockedIsHatchedInSpansAndLegend(t *testing.T) {
	draw := func(kinds ...Kind) string {
		tl := New("t")
		for i, k := range kinds {
			tl.Add(Span{Lane: "a", Kind: k, Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second})
		}
		return tl.SVG()
	}
	svg := draw(Running, Blocked, Waiting)
	defs := regexp.MustCompile(`<pattern id="(timeline-hatch-[0-9a-f]{8})"`).FindStringSubmatch(svg)
	if defs == nil {
		t.Fatalf("no hatch pattern in a picture with blocked spans:\n%s", svg)
	}
	uses := strings.Count(svg, `fill="url(#`+defs[1]+`) `+lookOf(Blocked).color+`"`)
	if uses != 2 {
		t.Errorf("the hatch is used %d times, want 2 (the span and the legend)", uses)
	}
	if strings.Contains(svg, hatchRef) {
		t.Errorf("the drawing still holds the placeholder %s", hatchRef)
	}
	if other := draw(Running, Blocked); strings.Contains(other, defs[1]) {
		t.Errorf("two different pictures share the pattern id %s", defs[1])
	}
	if plain := draw(Running, Waiting); strings.Contains(plain, "<pattern") {
		t.Errorf("a picture without blocked spans defines a pattern")
	}
}
