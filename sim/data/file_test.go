package data_test

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
)

// grid is the pattern of testdata/make_npy.py: element (i, j) = 10i + j + 0.25.
func grid(rows, cols int, f func(float64) float64) []float64 {
	var g []float64
	for i := range rows {
		for j := range cols {
			g = append(g, f(10*float64(i)+float64(j)+0.25))
		}
	}
	return g
}

func TestReadArrayNPYFromNumPy(t *testing.T) {
	// Fixtures written by NumPy (testdata/make_npy.py). All values are small
	// integers or quarters, exact in every dtype: compare exactly.
	id := func(v float64) float64 { return v }
	i3d := []float64{}
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				i3d = append(i3d, float64(100*i+10*j+k))
			}
		}
	}
	for _, tc := range []struct {
		file       string
		rows, cols int
		shape      []int
		want       []float64
	}{
		{"f8_c.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"f8_fortran.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"f8_big.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"f8_v2.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"f8_v3.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"f4_c.npy", 4, 3, []int{4, 3}, grid(4, 3, id)},
		{"i8_c.npy", 4, 3, []int{4, 3}, grid(4, 3, func(v float64) float64 { return v - 0.25 - 20 })},
		{"u1_c.npy", 4, 3, []int{4, 3}, grid(4, 3, func(v float64) float64 { return v - 0.25 })},
		{"i2_1d.npy", 4, 1, []int{4}, []float64{-3, 0, 7, 32767}},
		{"b1_1d.npy", 4, 1, []int{4}, []float64{1, 0, 0, 1}},
		{"i4_3d_fortran.npy", 2, 12, []int{2, 3, 4}, i3d},
	} {
		a, err := data.ReadArray(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if a.Rows != tc.rows || a.Cols != tc.cols || !slices.Equal(a.Shape, tc.shape) {
			t.Errorf("%s: %d×%d shape %v, want %d×%d shape %v", tc.file, a.Rows, a.Cols, a.Shape, tc.rows, tc.cols, tc.shape)
			continue
		}
		if !slices.Equal(a.Data, tc.want) {
			t.Errorf("%s: data %v, want %v", tc.file, a.Data, tc.want)
		}
	}
}

// npyFile builds a version-1.0 .npy file with the given header dict and body.
func npyFile(header string, body []byte) []byte {
	h := header + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(h)))
	return append(append(b, h...), body...)
}

func f8(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadArrayNPYHandWritten(t *testing.T) {
	// Headers in the forms other writers produce (double quotes, no trailing
	// comma, Python 2 long integers): must parse to the exact values.
	for _, tc := range []struct {
		name, header string
		body         []byte
		rows, cols   int
		want         []float64
	}{
		{"double quotes", `{"descr": "<f8", "fortran_order": False, "shape": (2,)}`, f8(1.5, -2), 2, 1, []float64{1.5, -2}},
		{"long ints", `{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }`, f8(3, 4), 1, 2, []float64{3, 4}},
		{"key order", `{'shape': (2, 1), 'fortran_order': True, 'descr': '<f8'}`, f8(5, 6), 2, 1, []float64{5, 6}},
		{"fortran 2x2", `{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }`, f8(1, 3, 2, 4), 2, 2, []float64{1, 2, 3, 4}},
	} {
		p := writeFile(t, "a.npy", npyFile(tc.header, tc.body))
		a, err := data.ReadArray(p)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.Rows != tc.rows || a.Cols != tc.cols || !slices.Equal(a.Data, tc.want) {
			t.Errorf("%s: %d×%d %v, want %d×%d %v", tc.name, a.Rows, a.Cols, a.Data, tc.rows, tc.cols, tc.want)
		}
	}
}

func TestReadArrayNPYErrors(t *testing.T) {
	hdr := func(descr, shape string) string {
		return `{'descr': '` + descr + `', 'fortran_order': False, 'shape': ` + shape + `, }`
	}
	for _, tc := range []struct {
		name    string
		content []byte
		fixture string // a NumPy-written file in testdata instead of content
		msg     string // must appear in the error
	}{
		{name: "complex", fixture: "c16.npy", msg: "dtype"},
		{name: "scalar", fixture: "scalar.npy", msg: "scalar"},
		{name: "empty", fixture: "empty.npy", msg: "empty"},
		{name: "magic", content: []byte("NUMPY\x01\x00garbage"), msg: "not a .npy file"},
		{name: "short other magic", content: []byte("PK\x03"), msg: "not a .npy file"},
		{name: "version", content: append([]byte("\x93NUMPY\x04\x00"), 0, 0), msg: "version 4.0"},
		// Files that end early, within the magic, the version, the header
		// length, the header or the data, are truncated, not another format.
		{name: "empty file", content: nil, msg: "truncated .npy file: 0 bytes"},
		{name: "truncated in magic", content: []byte("\x93NUM"), msg: "truncated .npy file: 4 bytes, the magic and version need 8"},
		{name: "truncated magic", content: []byte("\x93NUMPY\x01"), msg: "truncated .npy file: 7 bytes, the magic and version need 8"},
		{name: "truncated v1 length", content: []byte("\x93NUMPY\x01\x00\x05"), msg: "truncated .npy file: 9 bytes, the preamble of version 1.0 needs 10"},
		{name: "truncated v2 length", content: []byte("\x93NUMPY\x02\x00\x05\x00"), msg: "truncated .npy file: 10 bytes, the preamble of version 2.0 needs 12"},
		{name: "header length", content: append([]byte("\x93NUMPY\x01\x00"), 0xff, 0), msg: "truncated .npy file: header of 255 bytes"},
		{name: "short data", content: npyFile(hdr("<f8", "(3,)"), f8(1, 2)), msg: "truncated .npy file: the array of shape [3] and dtype <f8 needs 24 data bytes, the file has 16"},
		{name: "long data", content: npyFile(hdr("<f8", "(1,)"), f8(1, 2)), msg: "needs 8 data bytes, the file has 16"},
		{name: "nan", content: npyFile(hdr("<f8", "(2,)"), f8(1, math.NaN())), msg: "row 2, column 1 is NaN"},
		{name: "inf", content: npyFile(hdr("<f8", "(1, 2)"), f8(1, math.Inf(-1))), msg: "row 1, column 2 is -Inf"},
		{name: "structured", content: npyFile(`{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }`, f8(1)), msg: "structured"},
		{name: "half", content: npyFile(hdr("<f2", "(1,)"), []byte{0, 0}), msg: "unsupported type"},
		{name: "unknown key", content: npyFile(`{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}`, f8(1)), msg: "unexpected key"},
		// A repeated key is refused, whatever the values: NumPy never writes
		// one, and letting the later value win hides a corrupt header.
		{name: "duplicate shape", content: npyFile(`{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'shape': (2,), }`, f8(1, 2)), msg: `duplicate key "shape"`},
		{name: "duplicate descr", content: npyFile(`{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }`, f8(1)), msg: `duplicate key "descr"`},
		{name: "duplicate equal", content: npyFile(`{'descr': '<f8', 'fortran_order': False, 'fortran_order': False, 'shape': (1,), }`, f8(1)), msg: `duplicate key "fortran_order"`},
		{name: "missing key", content: npyFile(`{'descr': '<f8', 'shape': (1,), }`, f8(1)), msg: `no "fortran_order"`},
		{name: "bad shape", content: npyFile(`{'descr': '<f8', 'fortran_order': False, 'shape': (a,), }`, f8(1)), msg: "shape is not a tuple"},
		{name: "bad bool", content: npyFile(`{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }`, f8(1)), msg: "fortran_order"},
	} {
		p := filepath.Join("testdata", tc.fixture)
		if tc.fixture == "" {
			p = writeFile(t, "bad.npy", tc.content)
		}
		_, err := data.ReadArray(p)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), p) ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q: want one line with ErrInvalid, the file name and %q", tc.name, err, tc.msg)
		}
	}
}

func TestReadArrayCSV(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		rows, cols    int
		want          []float64
	}{
		{"plain", "1,2,3\n4,5,6\n", 2, 3, []float64{1, 2, 3, 4, 5, 6}},
		{"header", "x1,x2\n1.5,-2e-3\n3,4\n", 2, 2, []float64{1.5, -2e-3, 3, 4}},
		{"quoted header", "\"a\",\"b\"\n1,2\n", 1, 2, []float64{1, 2}},
		{"crlf bom spaces", "\uFEFFa, b\r\n 1 , 2 \r\n3,4\r\n", 2, 2, []float64{1, 2, 3, 4}},
		{"comments blank lines", "# made by hand\n\n1,2\n# middle\n3,4\n\n", 2, 2, []float64{1, 2, 3, 4}},
		{"savetxt whitespace", "# x\n1.000000000000000000e+00 2.5e+00\n3.0\t4.0\n", 2, 2, []float64{1, 2.5, 3, 4}},
		{"one column", "y\n1\n-1\n1\n", 3, 1, []float64{1, -1, 1}},
		{"no final newline", "1,2\n3,4", 2, 2, []float64{1, 2, 3, 4}},
	} {
		p := writeFile(t, "a.csv", []byte(tc.content))
		a, err := data.ReadArray(p)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.Rows != tc.rows || a.Cols != tc.cols || !slices.Equal(a.Data, tc.want) {
			t.Errorf("%s: %d×%d %v, want %d×%d %v", tc.name, a.Rows, a.Cols, a.Data, tc.rows, tc.cols, tc.want)
		}
	}
}

func TestReadArrayCSVErrors(t *testing.T) {
	// Every error names the 1-based line of the file, counting the header,
	// comment and blank lines: the line an editor shows.
	for _, tc := range []struct{ name, content, msg string }{
		{"ragged", "1,2\n3\n", "line 2 has 1 fields, the first data line (line 1) has 2"},
		{"ragged after header", "# c\nx,y\n\n1,2\n3\n", "line 5 has 1 fields, the first data line (line 4) has 2"},
		{"not a number", "1,2\n3,abc\n", `line 2, column 2: "abc" is not a number`},
		{"not a number after header", "a,b\n1,2\nx,3\n", `line 3, column 1: "x" is not a number`},
		{"typo in first row", "1,x\n3,4\n", `line 1, column 2: "x" is not a number`},
		{"empty field", "1,,2\n", "line 1, column 2 is empty"},
		{"empty field after header", "a,b,c\n1,,2\n", "line 2, column 2 is empty"},
		{"out of range", "a\n1e999\n", `line 2, column 1: "1e999" is beyond the range of float64`},
		{"nan", "1,nan\n", "line 1, column 2 is NaN"},
		{"nan after header", "x,y\n1,nan\n", "line 2, column 2 is NaN"},
		{"inf", "a,b\n1,2\n+Inf,2\n", "line 3, column 1 is +Inf"},
		{"inf after bom comment crlf", "\uFEFF# by hand\r\n\r\ny\r\n1\r\n-inf\r\n", "line 5, column 1 is -Inf"},
		{"nan whitespace separated", "# x\n1 2\n3\tNaN\n", "line 3, column 2 is NaN"},
		{"only header", "a,b\n", "no data rows"},
		{"empty file", "", "no data rows"},
	} {
		p := writeFile(t, "bad.csv", []byte(tc.content))
		_, err := data.ReadArray(p)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), p) ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q: want one line with ErrInvalid, the file name and %q", tc.name, err, tc.msg)
		}
	}
}

func TestReadArrayFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.csv")
	if _, err := data.ReadArray(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v: want one wrapping os.ErrNotExist and naming the file", err)
	}
	p := writeFile(t, "x.json", []byte("[1]"))
	if _, err := data.ReadArray(p); !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), ".json") {
		t.Errorf("unknown extension: error %v: want ErrInvalid naming the extension", err)
	}
}

func TestLoadFile(t *testing.T) {
	// x from NumPy (4×3), y from a CSV written here: one column, then two.
	x := filepath.Join("testdata", "f8_fortran.npy")
	y1 := writeFile(t, "y.csv", []byte("label\n1\n-1\n-1\n1\n"))
	s, err := data.LoadFile(x, y1)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 4 || s.D != 3 || s.C != 1 {
		t.Fatalf("shape n=%d d=%d c=%d, want 4, 3, 1", s.N, s.D, s.C)
	}
	if !slices.Equal(s.X, grid(4, 3, func(v float64) float64 { return v })) || !slices.Equal(s.Y, []float64{1, -1, -1, 1}) {
		t.Errorf("x %v y %v", s.X, s.Y)
	}
	if !strings.Contains(s.Source, x) || !strings.Contains(s.Source, y1) {
		t.Errorf("source %q does not name the files", s.Source)
	}
	y2 := writeFile(t, "y2.csv", []byte("1,0\n0,1\n1,0\n0,1\n"))
	if s, err := data.LoadFile(x, y2); err != nil || s.C != 2 || !slices.Equal(s.Target(1), []float64{0, 1}) {
		t.Errorf("two-column y: %v, %v", s, err)
	}
	short := writeFile(t, "short.csv", []byte("1\n2\n3\n"))
	if _, err := data.LoadFile(x, short); !errors.Is(err, data.ErrInvalid) ||
		!strings.Contains(err.Error(), "has 4 rows") || !strings.Contains(err.Error(), short) {
		t.Errorf("row mismatch: error %v", err)
	}
	bad := writeFile(t, "bad.csv", []byte("1,x\n"))
	if _, err := data.LoadFile(bad, y1); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad x: error %v, want one naming %s", err, bad)
	}
}

func TestReadArrayNotRegular(t *testing.T) {
	// Paths that are not regular files (after following symbolic links) are
	// refused by their type, before they are opened for reading: reading
	// /dev/zero to its end would exhaust memory. The extension is checked
	// first of all.
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d.npy"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink := func(t *testing.T, target, name string) string {
		t.Helper()
		if _, err := os.Stat(target); err != nil {
			t.Skipf("%s is not available: %v", target, err)
		}
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("cannot make symbolic links: %v", err)
		}
		return p
	}
	for _, tc := range []struct {
		name, target, file string // file is a symbolic link to target, or a path in dir if target == ""
		msg                string // must appear in the error; "" for success
	}{
		{name: "directory", file: "d.npy", msg: "is a directory, not a regular file"},
		{name: "dev zero npy", target: "/dev/zero", file: "zero.npy", msg: "is a character device, not a regular file"},
		{name: "dev zero csv", target: "/dev/zero", file: "zero.csv", msg: "is a character device, not a regular file"},
		{name: "dev zero unknown extension", target: "/dev/zero", file: "zero.bin", msg: `unknown file type ".bin"`},
		{name: "link to a regular file", target: good, file: "link.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			if tc.target != "" {
				p = symlink(t, tc.target, tc.file)
			}
			a, err := data.ReadArray(p)
			if tc.msg == "" {
				if err != nil || a.Rows != 2 || a.Cols != 2 || !slices.Equal(a.Data, []float64{1, 2, 3, 4}) {
					t.Errorf("got %v, %v; want the 2×2 array [1 2 3 4]", a, err)
				}
				return
			}
			if err == nil || !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) ||
				!strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v: want one line with ErrInvalid, the path and %q", err, tc.msg)
			}
		})
	}
}
