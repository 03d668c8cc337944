package main

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedLogosAreRegenerated checks that the logo files embedded by
// package kernelspec are exactly what this generator writes, so the PNGs
// and the SVG come from the current geometry.
func TestCommittedLogosAreRegenerated(t *testing.T) {
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("render returned %d files, want 3 (svg, 32x32, 64x64)", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "logo", name))
		if err != nil {
			t.Fatalf("%v; run `go generate ./kernel/kernelspec`", err)
		}
		if !sameLogo(t, name, got, want) {
			t.Errorf("kernel/kernelspec/logo/%s differs from the generator's output; run `go generate ./kernel/kernelspec`", name)
		}
	}
}

// sameLogo compares two versions of a logo file: PNGs by their pixels,
// since the PNG encoder's bytes differ between Go releases (1.27 changed
// them), other files by their bytes.
func sameLogo(t *testing.T, name string, a, b []byte) bool {
	if filepath.Ext(name) != ".png" {
		return bytes.Equal(a, b)
	}
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.NRGBAModel.Convert(ia.At(x, y)) != color.NRGBAModel.Convert(ib.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// TestRenderIsDeterministic checks that two renderings are byte-identical.
func TestRenderIsDeterministic(t *testing.T) {
	a, err := render()
	if err != nil {
		t.Fatal(err)
	}
	b, err := render()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two renderings", name)
		}
	}
}

// TestShapesFitSVGRules checks what SVG would otherwise silently change:
// a corner radius larger than half a side is clamped by SVG renderers but
// not by raster, and shapes must stay inside the view box.
func TestShapesFitSVGRules(t *testing.T) {
	for i, s := range shapes {
		if 2*s.R > s.W || 2*s.R > s.H {
			t.Errorf("shape %d: radius %d exceeds half of %dx%d", i, s.R, s.W, s.H)
		}
		if s.X < 0 || s.Y < 0 || s.X+s.W > viewBox || s.Y+s.H > viewBox {
			t.Errorf("shape %d lies outside the %d-unit view box", i, viewBox)
		}
	}
}

// TestRasterPixels checks pixels whose colour the geometry fixes.
func TestRasterPixels(t *testing.T) {
	background := color.NRGBA{0x10, 0x2a, 0x38, 0xff}
	blue := color.NRGBA{0x00, 0xad, 0xd8, 0xff}
	tests := []struct {
		name string
		size int
		x, y int
		want color.NRGBA
	}{
		{"top-left corner is outside the rounded square", 64, 0, 0, color.NRGBA{}},
		{"bottom-right corner is outside the rounded square", 32, 31, 31, color.NRGBA{}},
		{"middle of the top edge is background", 64, 32, 0, background},
		{"centre of the first bar", 64, 25, 19, blue},
		{"centre of the second bar", 32, 19, 15, blue},
		{"left of the second bar is background", 64, 12, 32, background},
		{"centre of the third bar", 64, 27, 44, blue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := pngBytes(tt.size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("the generated PNG does not decode: %v", err)
			}
			if got := img.Bounds().Dx(); got != tt.size {
				t.Fatalf("width %d, want %d", got, tt.size)
			}
			got := color.NRGBAModel.Convert(img.At(tt.x, tt.y)).(color.NRGBA)
			if got != tt.want {
				t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
			}
		})
	}
}

// TestEdgesAreAntialiased checks that a bar's rounded end blends into the
// background instead of jumping from one colour to the other.
func TestEdgesAreAntialiased(t *testing.T) {
	img := raster(32)
	partial := 0
	for x := 0; x < 32; x++ {
		c := img.NRGBAAt(x, 0)
		if c.A != 0 && c.A != 255 {
			partial++
		}
	}
	if partial == 0 {
		t.Error("the top row has no partly transparent pixels at the rounded corners")
	}
	mixed := false
	for x := 0; x < 32; x++ {
		c := img.NRGBAAt(x, 9) // through the first bar (y 16..24 of 64)
		if c.B != 0x38 && c.B != 0xd8 {
			mixed = true
		}
	}
	if !mixed {
		t.Error("the first bar's ends have no blended pixels")
	}
}
