package data_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/data"
)

// npyCase is a random array with a random dtype, byte order and memory
// order, encoded by encodeNPY below (written from the format description,
// independently of the decoder).
type npyCase struct {
	shape   []int
	descr   string
	fortran bool
	vals    []float64 // C order, exactly representable in the dtype
}

func randomNPYCase(seed uint64) npyCase {
	r := rand.New(rand.NewPCG(seed, 0))
	c := npyCase{shape: make([]int, 1+r.IntN(3))}
	count := 1
	for i := range c.shape {
		c.shape[i] = 1 + r.IntN(5)
		count *= c.shape[i]
	}
	order := []string{"<", ">"}[r.IntN(2)]
	kind := []string{"f8", "f4", "i8", "i4", "i2", "u1", "u2", "u8", "i1"}[r.IntN(9)]
	if kind == "u1" || kind == "i1" {
		order = "|"
	}
	c.descr = order + kind
	c.fortran = r.IntN(2) == 1
	for range count {
		var v float64
		switch kind {
		case "f8":
			v = r.NormFloat64() * math.Exp2(float64(r.IntN(40)-20))
		case "f4":
			v = float64(float32(r.NormFloat64()))
		case "u1", "u2", "u8":
			v = float64(r.IntN(256))
		default:
			v = float64(r.IntN(256) - 128)
		}
		c.vals = append(c.vals, v)
	}
	return c
}

// encodeNPY writes c as a version-1.0 .npy file.
func encodeNPY(c npyCase) []byte {
	dims := make([]string, len(c.shape))
	for i, s := range c.shape {
		dims[i] = strconv.Itoa(s)
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	fo := map[bool]string{false: "False", true: "True"}[c.fortran]
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", c.descr, fo, shape)
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(out[8:], uint16(len(header)))
	out = append(out, header...)

	var order binary.AppendByteOrder = binary.LittleEndian
	if c.descr[0] == '>' {
		order = binary.BigEndian
	}
	// Storage order: C (last index fastest) or Fortran (first index fastest).
	n := len(c.vals)
	for s := range n {
		// Multi-index of storage position s, then its C offset.
		idx := make([]int, len(c.shape))
		rest := s
		if c.fortran {
			for k := range c.shape {
				idx[k], rest = rest%c.shape[k], rest/c.shape[k]
			}
		} else {
			for k := len(c.shape) - 1; k >= 0; k-- {
				idx[k], rest = rest%c.shape[k], rest/c.shape[k]
			}
		}
		off := 0
		for k := range c.shape {
			off = off*c.shape[k] + idx[k]
		}
		v := c.vals[off]
		switch c.descr[1:] {
		case "f8":
			out = order.AppendUint64(out, math.Float64bits(v))
		case "f4":
			out = order.AppendUint32(out, math.Float32bits(float32(v)))
		case "i8", "u8":
			out = order.AppendUint64(out, uint64(int64(v)))
		case "i4":
			out = order.AppendUint32(out, uint32(int32(v)))
		case "i2", "u2":
			out = order.AppendUint16(out, uint16(int16(v)))
		case "i1", "u1":
			out = append(out, byte(int8(v)))
		}
	}
	return out
}

// TestNPYRoundTripProperty: any array in any supported dtype, byte order
// and memory order reads back exactly (all values are exact in their dtype
// and in float64), with rows = shape[0].
func TestNPYRoundTripProperty(t *testing.T) {
	dir := t.TempDir()
	props := gopter.NewProperties(reference.GopterParameters(t, 200, 40))
	props.Property("npy decode(encode(a)) = a", prop.ForAll(func(seed uint64) string {
		c := randomNPYCase(seed)
		p := filepath.Join(dir, "a.npy")
		if err := os.WriteFile(p, encodeNPY(c), 0o644); err != nil {
			return err.Error()
		}
		a, err := data.ReadArray(p)
		if err != nil {
			return err.Error()
		}
		if a.Rows != c.shape[0] || a.Rows*a.Cols != len(c.vals) || !slices.Equal(a.Shape, c.shape) {
			return fmt.Sprintf("%s shape %v: read %d×%d shape %v", c.descr, c.shape, a.Rows, a.Cols, a.Shape)
		}
		if !slices.Equal(a.Data, c.vals) {
			return fmt.Sprintf("%s shape %v fortran %v: read %v, want %v", c.descr, c.shape, c.fortran, a.Data, c.vals)
		}
		return ""
	}, gen.UInt64()))
	props.TestingRun(t)
}

// TestCSVRoundTripProperty: a random matrix printed with the shortest
// round-trip format (strconv 'g', -1), comma- or space-separated, with or
// without a header, reads back exactly.
func TestCSVRoundTripProperty(t *testing.T) {
	dir := t.TempDir()
	props := gopter.NewProperties(reference.GopterParameters(t, 200, 40))
	props.Property("csv decode(print(a)) = a", prop.ForAll(func(seed uint64) string {
		r := rand.New(rand.NewPCG(seed, 1))
		rows, cols := 1+r.IntN(6), 1+r.IntN(6)
		sep := []string{",", ", ", " ", "\t"}[r.IntN(4)]
		var b strings.Builder
		if r.IntN(2) == 1 {
			for j := range cols {
				if j > 0 {
					b.WriteString(sep)
				}
				fmt.Fprintf(&b, "col%d", j)
			}
			b.WriteString("\n")
		}
		want := make([]float64, rows*cols)
		for i := range rows {
			for j := range cols {
				v := r.NormFloat64() * math.Exp2(float64(r.IntN(200)-100))
				want[i*cols+j] = v
				if j > 0 {
					b.WriteString(sep)
				}
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
			b.WriteString("\n")
		}
		p := filepath.Join(dir, "a.csv")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return err.Error()
		}
		a, err := data.ReadArray(p)
		if err != nil {
			return err.Error()
		}
		if a.Rows != rows || a.Cols != cols || !slices.Equal(a.Data, want) {
			return fmt.Sprintf("read %d×%d %v, want %d×%d %v\n%s", a.Rows, a.Cols, a.Data, rows, cols, want, b.String())
		}
		return ""
	}, gen.UInt64()))
	props.TestingRun(t)
}
