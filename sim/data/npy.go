package data

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// npyMagic starts every .npy file.
const npyMagic = "\x93NUMPY"

// npyPreamble is the length of the magic string and the two version bytes.
const npyPreamble = len(npyMagic) + 2

// decodeNPY parses a NumPy .npy file (see ReadArray).
func decodeNPY(raw []byte) (Array, error) {
	// The magic string and the two version bytes come first. A file that
	// ends inside them but agrees with the magic so far is truncated, not
	// some other format.
	if n := min(len(raw), len(npyMagic)); string(raw[:n]) != npyMagic[:n] {
		return Array{}, invalidf("not a .npy file (no \\x93NUMPY magic)")
	}
	if len(raw) < npyPreamble {
		return Array{}, invalidf("truncated .npy file: %d bytes, the magic and version need %d", len(raw), npyPreamble)
	}
	major, minor := raw[6], raw[7]
	var headerLen, start int
	switch major {
	case 1:
		start = npyPreamble + 2
		if len(raw) < start {
			return Array{}, invalidf("truncated .npy file: %d bytes, the preamble of version 1.0 needs %d", len(raw), start)
		}
		headerLen = int(binary.LittleEndian.Uint16(raw[npyPreamble:]))
	case 2, 3:
		start = npyPreamble + 4
		if len(raw) < start {
			return Array{}, invalidf("truncated .npy file: %d bytes, the preamble of version %d.%d needs %d",
				len(raw), major, minor, start)
		}
		headerLen = int(binary.LittleEndian.Uint32(raw[npyPreamble:]))
	default:
		return Array{}, invalidf(".npy format version %d.%d: want 1.0, 2.0 or 3.0", major, minor)
	}
	if headerLen > len(raw)-start {
		return Array{}, invalidf("truncated .npy file: header of %d bytes, the file has %d after the preamble",
			headerLen, len(raw)-start)
	}
	h, err := parseNPYHeader(string(raw[start : start+headerLen]))
	if err != nil {
		return Array{}, err
	}
	body := raw[start+headerLen:]

	dt, err := parseDescr(h.descr)
	if err != nil {
		return Array{}, err
	}
	if len(h.shape) == 0 {
		return Array{}, invalidf(".npy array of shape (): a scalar, want at least one dimension")
	}
	count := 1
	for _, s := range h.shape {
		if s == 0 {
			return Array{}, invalidf(".npy array of shape %v is empty", h.shape)
		}
		if count > MaxElements/s {
			return Array{}, invalidf(".npy array of shape %v has more than %d values (the limit is 2²⁷)", h.shape, MaxElements)
		}
		count *= s
	}
	if want := count * dt.size; len(body) != want {
		if len(body) < want {
			return Array{}, invalidf("truncated .npy file: the array of shape %v and dtype %s needs %d data bytes, the file has %d",
				h.shape, h.descr, want, len(body))
		}
		return Array{}, invalidf(".npy array of shape %v and dtype %s needs %d data bytes, the file has %d",
			h.shape, h.descr, want, len(body))
	}
	data := make([]float64, count)
	for i := range data {
		data[i] = dt.read(body[i*dt.size:])
	}
	if h.fortran && len(h.shape) > 1 {
		data = fortranToC(data, h.shape)
	}
	a := matrixOf(data, h.shape)
	if i := firstNonFinite(a.Data); i >= 0 {
		return Array{}, invalidf("row %d, column %d is %v", i/a.Cols+1, i%a.Cols+1, a.Data[i])
	}
	return a, nil
}

// npyHeader is the dictionary of a .npy header.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYHeader parses the Python dict literal of a .npy header, such as
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
func parseNPYHeader(s string) (npyHeader, error) {
	var h npyHeader
	s = strings.TrimSpace(strings.TrimRight(s, " \n\x00"))
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return h, invalidf(".npy header %q is not a dictionary", s)
	}
	p := &pyLexer{s: s[1 : len(s)-1]}
	seen := map[string]bool{}
	for {
		p.space()
		if p.done() {
			break
		}
		key, ok := p.str()
		if !ok {
			return h, invalidf(".npy header %q: expected a quoted key at offset %d", s, p.i+1)
		}
		if seen[key] {
			return h, invalidf(".npy header %q: duplicate key %q", s, key)
		}
		p.space()
		if !p.eat(':') {
			return h, invalidf(".npy header %q: expected ':' after %q", s, key)
		}
		p.space()
		switch key {
		case "descr":
			v, ok := p.str()
			if !ok {
				return h, invalidf(".npy dtype in %q is not a simple type string (structured dtypes are not supported)", s)
			}
			h.descr = v
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
				h.fortran = false
			default:
				return h, invalidf(".npy header %q: fortran_order is not True or False", s)
			}
		case "shape":
			shape, ok := p.tuple()
			if !ok {
				return h, invalidf(".npy header %q: shape is not a tuple of integers", s)
			}
			h.shape = shape
		default:
			return h, invalidf(".npy header %q: unexpected key %q", s, key)
		}
		seen[key] = true
		p.space()
		if !p.eat(',') {
			p.space()
			if !p.done() {
				return h, invalidf(".npy header %q: expected ',' after %q", s, key)
			}
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, invalidf(".npy header %q has no %q", s, k)
		}
	}
	return h, nil
}

// pyLexer reads the few Python literals of a .npy header.
type pyLexer struct {
	s string
	i int
}

func (p *pyLexer) done() bool { return p.i >= len(p.s) }

func (p *pyLexer) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLexer) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLexer) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes ('…' or "…").
func (p *pyLexer) str() (string, bool) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple reads a tuple of non-negative integers: (), (3,), (3, 4).
func (p *pyLexer) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			return shape, true
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		p.word("L") // Python 2 long integers
		v, err := strconv.Atoi(strings.TrimSuffix(p.s[j:p.i], "L"))
		if err != nil || v < 0 {
			return nil, false
		}
		shape = append(shape, v)
		p.space()
		if !p.eat(',') {
			p.space()
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}

// npyType reads one element of a dtype as a float64.
type npyType struct {
	size int
	read func(b []byte) float64
}

// parseDescr maps a dtype string such as '<f8' to its reader.
func parseDescr(descr string) (npyType, error) {
	bad := func(why string) (npyType, error) {
		return npyType{}, invalidf(".npy dtype %q: %s; want float64, float32, an integer or bool", descr, why)
	}
	if len(descr) < 3 {
		return bad("not understood")
	}
	var order binary.ByteOrder
	switch descr[0] {
	case '<', '|':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	case '=':
		order = binary.NativeEndian
	default:
		return bad("no byte order")
	}
	kind := descr[1]
	size, err := strconv.Atoi(descr[2:])
	if err != nil {
		return bad("not understood")
	}
	switch {
	case kind == 'f' && size == 8:
		return npyType{8, func(b []byte) float64 { return math.Float64frombits(order.Uint64(b)) }}, nil
	case kind == 'f' && size == 4:
		return npyType{4, func(b []byte) float64 { return float64(math.Float32frombits(order.Uint32(b))) }}, nil
	case kind == 'i' && size == 1:
		return npyType{1, func(b []byte) float64 { return float64(int8(b[0])) }}, nil
	case kind == 'i' && size == 2:
		return npyType{2, func(b []byte) float64 { return float64(int16(order.Uint16(b))) }}, nil
	case kind == 'i' && size == 4:
		return npyType{4, func(b []byte) float64 { return float64(int32(order.Uint32(b))) }}, nil
	case kind == 'i' && size == 8:
		return npyType{8, func(b []byte) float64 { return float64(int64(order.Uint64(b))) }}, nil
	case kind == 'u' && size == 1:
		return npyType{1, func(b []byte) float64 { return float64(b[0]) }}, nil
	case kind == 'u' && size == 2:
		return npyType{2, func(b []byte) float64 { return float64(order.Uint16(b)) }}, nil
	case kind == 'u' && size == 4:
		return npyType{4, func(b []byte) float64 { return float64(order.Uint32(b)) }}, nil
	case kind == 'u' && size == 8:
		return npyType{8, func(b []byte) float64 { return float64(order.Uint64(b)) }}, nil
	case kind == 'b' && size == 1:
		return npyType{1, func(b []byte) float64 {
			if b[0] != 0 {
				return 1
			}
			return 0
		}}, nil
	}
	return bad("unsupported type")
}

// fortranToC reorders data stored in Fortran (column-major) order into C
// (row-major) order for the given shape.
func fortranToC(data []float64, shape []int) []float64 {
	out := make([]float64, len(data))
	// cStride[k] is the C-order stride of dimension k.
	cStride := make([]int, len(shape))
	s := 1
	for k := len(shape) - 1; k >= 0; k-- {
		cStride[k] = s
		s *= shape[k]
	}
	// Walk the data in storage (Fortran) order: the first index runs fastest.
	idx := make([]int, len(shape))
	c := 0 // C offset of idx
	for _, v := range data {
		out[c] = v
		for k := range shape {
			idx[k]++
			c += cStride[k]
			if idx[k] < shape[k] {
				break
			}
			c -= idx[k] * cStride[k]
			idx[k] = 0
		}
	}
	return out
}
