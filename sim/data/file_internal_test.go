package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	lim := fileLimits{csv: 8, npy: npyAt}
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
	if _, err := decodeCSVMax([]byte("1,2\n3,4\n"), 4); err != nil {
		t.Errorf("4 values at a limit of 4: %v", err)
	}
	_, err := decodeCSVMax([]byte("1,2\n3,4\n5,6\n"), 4)
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
