// Command logogen draws the gokernel logo: three staggered timeline bars,
// like goroutines on a trace, in Go blue on a dark rounded square. It
// writes the files that Jupyter shows for a kernel (logo-svg.svg,
// logo-32x32.png and logo-64x64.png) from one geometry, so the vector and
// bitmap logos always agree.
//
// Usage (from package kernelspec, via go generate):
//
//	go run ./internal/logogen -dir logo
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
)

// viewBox is the side of the square that shapes are laid out in.
const viewBox = 64

// samples is the number of samples per pixel side used to anti-alias the
// bitmaps. Integer arithmetic makes the output identical on every machine.
const samples = 8

// roundRect is a rectangle with circular corners of radius R, in viewBox
// units.
type roundRect struct {
	X, Y, W, H, R int
	Fill          color.RGBA
}

// shapes is the logo, painted in order.
var shapes = []roundRect{
	{X: 0, Y: 0, W: 64, H: 64, R: 14, Fill: color.RGBA{0x10, 0x2a, 0x38, 0xff}}, // background
	{X: 10, Y: 16, W: 30, H: 8, R: 4, Fill: color.RGBA{0x00, 0xad, 0xd8, 0xff}}, // first goroutine
	{X: 22, Y: 28, W: 32, H: 8, R: 4, Fill: color.RGBA{0x00, 0xad, 0xd8, 0xff}}, // second, starts later
	{X: 16, Y: 40, W: 22, H: 8, R: 4, Fill: color.RGBA{0x00, 0xad, 0xd8, 0xff}}, // third, short-lived
}

// sizes are the bitmap sizes Jupyter looks for.
var sizes = []int{32, 64}

func main() {
	dir := flag.String("dir", ".", "directory to write the logo files into")
	flag.Parse()
	files, err := render()
	if err != nil {
		fmt.Fprintln(os.Stderr, "logogen:", err)
		os.Exit(1)
	}
	for name, data := range files {
		path := filepath.Join(*dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "logogen: cannot write the logo:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
}

// render returns every logo file by name.
func render() (map[string][]byte, error) {
	files := map[string][]byte{"logo-svg.svg": svg()}
	for _, s := range sizes {
		b, err := pngBytes(s)
		if err != nil {
			return nil, err
		}
		files[fmt.Sprintf("logo-%dx%d.png", s, s)] = b
	}
	return files, nil
}

// svg returns the logo as an SVG document.
func svg() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", viewBox, viewBox, viewBox, viewBox)
	b.WriteString("  <title>gokernel</title>\n")
	for _, s := range shapes {
		fmt.Fprintf(&b, "  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"#%02x%02x%02x\"/>\n",
			s.X, s.Y, s.W, s.H, s.R, s.Fill.R, s.Fill.G, s.Fill.B)
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// pngBytes returns the logo as a size×size PNG.
func pngBytes(size int) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, raster(size)); err != nil {
		return nil, fmt.Errorf("cannot encode the %dx%d logo: %w", size, size, err)
	}
	return b.Bytes(), nil
}

// raster draws the logo at size×size pixels. Each pixel takes
// samples×samples point samples; a sample gets the colour of the topmost
// shape containing it, and the pixel the average of its samples (with
// transparency where no shape covers it).
func raster(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// Sample (i, j) of a pixel sits at ((px*samples+i)+1/2) / (size*samples)
	// of the side; scaling by k makes every coordinate an integer.
	k := int64(2 * size * samples)
	total := int64(samples * samples)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, bl, n int64
			for j := 0; j < samples; j++ {
				v := int64(2*(py*samples+j)+1) * viewBox
				for i := 0; i < samples; i++ {
					u := int64(2*(px*samples+i)+1) * viewBox
					c, ok := colourAt(u, v, k)
					if !ok {
						continue
					}
					r += int64(c.R)
					g += int64(c.G)
					bl += int64(c.B)
					n++
				}
			}
			if n == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8((r + n/2) / n),
				G: uint8((g + n/2) / n),
				B: uint8((bl + n/2) / n),
				A: uint8((n*255 + total/2) / total),
			})
		}
	}
	return img
}

// colourAt returns the fill of the topmost shape containing the point
// (u, v), given in viewBox units multiplied by k.
func colourAt(u, v, k int64) (color.RGBA, bool) {
	for i := len(shapes) - 1; i >= 0; i-- {
		if shapes[i].contains(u, v, k) {
			return shapes[i].Fill, true
		}
	}
	return color.RGBA{}, false
}

// contains reports whether the point (u, v), in viewBox units multiplied by
// k, lies inside s.
func (s roundRect) contains(u, v, k int64) bool {
	x0, y0 := int64(s.X)*k, int64(s.Y)*k
	x1, y1 := int64(s.X+s.W)*k, int64(s.Y+s.H)*k
	rad := int64(s.R) * k
	if u < x0 || u > x1 || v < y0 || v > y1 {
		return false
	}
	var cx, cy int64
	switch {
	case u < x0+rad:
		cx = x0 + rad
	case u > x1-rad:
		cx = x1 - rad
	default:
		return true
	}
	switch {
	case v < y0+rad:
		cy = y0 + rad
	case v > y1-rad:
		cy = y1 - rad
	default:
		return true
	}
	du, dv := u-cx, v-cy
	return du*du+dv*dv <= rad*rad
}
