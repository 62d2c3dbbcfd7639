package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestReadArraySizeLimit(t *testing.T) {
	// readArray with small limits: a file of exactly the limit is read, one
	// byte more is refused, by its size, before it is read. The files
	// differ in size only by trailing newlines or a longer header padding,
	// which do not change the data.
	npy := func(pad int) []byte {
		h := "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", pad) + "\n"
		b := []byte("\x93NUMPY\x01\x00")
		b = append(b, byte(len(h)), byte(len(h)>>8))
		b = append(b, h...)
		return append(b, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f) // 1.0 in little-endian float64
	}
	npyAt := int64(len(npy(0)))
	lim := fileLimits{csv: 8, npy: npyAt, values: MaxElements}
	for _, tc := range []struct {
		name, file string
		content    []byte
		msg        string // "" for success
	}{
		{"csv under", "a.csv", []byte("1,2\n"), ""},
		{"csv at limit", "a.csv", []byte("1,2\n\n\n\n\n"), ""},
		{"csv over", "a.csv", []byte("1,2\n\n\n\n\n\n"), "9 bytes, more than the limit of 8 bytes for a CSV file"},
		{"npy at limit", "a.npy", npy(0), ""},
		{"npy over", "a.npy", npy(1), fmt.Sprintf("%d bytes, more than the limit of %d bytes for a .npy file", npyAt+1, npyAt)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(p, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := readArray(p, lim)
			if tc.msg == "" {
				if err != nil || a.Rows != 1 || a.Data[0] != 1 {
					t.Errorf("got %v, %v; want one row starting with 1", a, err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) ||
				!strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v: want one line with ErrInvalid, the path and %q", err, tc.msg)
			}
		})
	}
}

// endless is an io.Reader of endless zeros, like /dev/zero.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

func TestReadLimited(t *testing.T) {
	// readLimited stops after limit+1 bytes whatever the size hint (a file
	// can grow after os.Stat): an endless reader does not exhaust memory.
	const limit = 1000
	for _, tc := range []struct {
		name     string
		r        io.Reader
		hint     int64
		wantLen  int  // when !wantOver
		wantOver bool // more than limit bytes
	}{
		{"empty", bytes.NewReader(nil), 0, 0, false},
		{"at limit", bytes.NewReader(make([]byte, limit)), limit, limit, false},
		{"at limit, hint 0", bytes.NewReader(make([]byte, limit)), 0, limit, false},
		{"over by one", bytes.NewReader(make([]byte, limit+1)), limit + 1, 0, true},
		{"over, hint small", bytes.NewReader(make([]byte, 3*limit)), 10, 0, true},
		{"endless", endless{}, 0, 0, true},
		{"endless, hint huge", endless{}, 1 << 62, 0, true},
	} {
		raw, over, err := readLimited(tc.r, tc.hint, limit)
		if err != nil || over != tc.wantOver || (!over && len(raw) != tc.wantLen) {
			t.Errorf("%s: %d bytes, over %v, error %v; want %d bytes, over %v", tc.name, len(raw), over, err, tc.wantLen, tc.wantOver)
		}
	}
}

// A file may hold at most MaxElements values, whatever its size in bytes:
// one-byte .npy values or short CSV fields would otherwise expand 8- or
// 16-fold into float64.
func TestValueLimit(t *testing.T) {
	if _, err := readCSV(bytes.NewReader([]byte("1,2\n3,4\n")), 4); err != nil {
		t.Errorf("4 values at a limit of 4: %v", err)
	}
	_, err := readCSV(bytes.NewReader([]byte("1,2\n3,4\n5,6\n")), 4)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("6 values at a limit of 4: error %v, want one naming line 3", err)
	}
	// A header claiming MaxElements+1 one-byte values is refused before the
	// data are read (the file need not hold them).
	hdr := fmt.Sprintf("{'descr': '|u1', 'fortran_order': False, 'shape': (%d,), }", MaxElements+1)
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	raw = append(raw, hdr...)
	if _, err := decodeNPY(raw); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a .npy of %d values: error %v, want the value limit", MaxElements+1, err)
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestCSVBoundedMemory: a CSV file is refused in bounded memory, without
// being read whole: a sparse file of NULs (what a truncated download or a
// mistaken device dump looks like) by its first NUL byte, and a file of
// short values by the value count. The old reader read the whole file into
// memory (and converted each line to a string) before looking at it, and
// called the NUL file "no data rows".
func TestCSVBoundedMemory(t *testing.T) {
	dir := t.TempDir()
	sparse := filepath.Join(dir, "sparse.csv")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // 64 MiB of NULs, no disk blocks
		t.Fatal(err)
	}
	f.Close()
	ones := filepath.Join(dir, "ones.csv")
	if err := os.WriteFile(ones, bytes.Repeat([]byte("1\n"), 1<<20), 0o644); err != nil { // 2 MiB, 2²⁰ values
		t.Fatal(err)
	}
	lim := fileLimits{csv: 1 << 30, npy: 1 << 30, values: 1000}
	// The bound: the reader's 64 KiB buffer and a few small errors, far
	// below the size of either file.
	const bound = 256 << 10
	for _, tc := range []struct{ name, path, msg string }{
		{"sparse NULs", sparse, "line 1 holds a NUL byte: not a CSV text file"},
		{"over the value limit", ones, "line 1001: more than 1000 values (the limit)"},
	} {
		var err error
		n := allocated(func() { _, err = readArray(tc.path, lim) })
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want ErrInvalid and %q", tc.name, err, tc.msg)
		}
		if n > bound {
			t.Errorf("%s: allocated %d bytes, want at most %d (the file must be streamed, not read whole)", tc.name, n, bound)
		}
	}
	// A valid file allocates its values once, at their exact number: 2²⁰
	// float64 values, plus the buffer and the Array.
	lim.values = MaxElements
	var a Array
	n := allocated(func() { a, err = readArray(ones, lim) })
	if err != nil || a.Rows != 1<<20 || a.Cols != 1 {
		t.Fatalf("valid file: %d×%d, %v", a.Rows, a.Cols, err)
	}
	if want := uint64(8 << 20); n < want || n > want+bound {
		t.Errorf("valid file of 2²⁰ values: allocated %d bytes, want %d (the values) plus at most %d", n, want, bound)
	}
}

// TestCSVLongField: a field longer than 1 KiB is refused when it is seen,
// naming its line and column, so that a line of any length is never held
// in memory.
func TestCSVLongField(t *testing.T) {
	doc := "a,b\n1,2\n3," + strings.Repeat("9", maxCSVField+1) + "\n"
	_, err := readCSV(strings.NewReader(doc), MaxElements)
	if err == nil || !strings.Contains(err.Error(), "line 3, column 2: a field of more than 1024 bytes") {
		t.Errorf("error %v, want one naming line 3, column 2 and the field limit", err)
	}
	doc = "1," + strings.Repeat("9", maxCSVField) + "\n" // exactly the limit: an ordinary (huge) number
	if _, err := readCSV(strings.NewReader(doc), MaxElements); err == nil || !strings.Contains(err.Error(), "beyond the range") {
		t.Errorf("a field of exactly %d digits: error %v, want it read (and refused as out of range)", maxCSVField, err)
	}
}
