package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Array is a numeric array read from a file, as a matrix: Rows examples of
// Cols values, row-major in Data. Shape is the shape stored in the file
// (one entry for a 1-D array, which reads as one column; a .npy array of
// more than two dimensions reads as Shape[0] rows of the product of the
// other dimensions, in C order).
type Array struct {
	Rows, Cols int
	Data       []float64
	Shape      []int
}

// MaxElements bounds the number of values a data file may hold, and (as
// experiment.MaxElements) every array a spec makes eoskit allocate: 2²⁷
// float64 values, 1 GiB.
const MaxElements = 1 << 27

// maxNPYHeaderBytes is the room allowed for the preamble and header of a
// .npy file: NumPy writes a header of a few hundred bytes at most, and a
// version-1.0 header cannot exceed 2¹⁶ bytes.
const maxNPYHeaderBytes = 1 << 16

// maxNPYBytes is the largest .npy file ReadArray reads: the header plus
// MaxElements values of the widest supported dtype (8 bytes).
const maxNPYBytes = maxNPYHeaderBytes + 8*MaxElements

// maxCSVBytes is the largest CSV file ReadArray reads: a generous 32 bytes of
// text per value for MaxElements values (numpy.savetxt's default "%.18e"
// writes 24 characters and a separator per value), 4 GiB in all.
const maxCSVBytes = 32 * MaxElements

// fileLimits holds the size limit, in bytes, of each file type and the
// number of values a CSV file may hold. ReadArray uses maxCSVBytes,
// maxNPYBytes and MaxElements; tests pass small limits.
type fileLimits struct {
	csv, npy int64
	values   int
}

// ReadArray reads a numeric array from a CSV (.csv, .txt) or NumPy (.npy)
// file, chosen by the extension (case-insensitive). Every value must be
// finite.
//
// The path must name a regular file (after following symbolic links; a
// device, a named pipe or a directory is refused without being opened for
// reading) of at most 32·2²⁷ bytes (4 GiB) for CSV and 2¹⁶ + 8·2²⁷ bytes
// (1 GiB and a header) for .npy: enough for the 2²⁷ values that eoskit
// allows in one array (experiment.MaxElements).
//
// CSV: one example a row. Fields are separated by commas or, when the first
// line that is neither blank nor a comment has no comma (in its first 64
// KiB), by runs of spaces or tabs (the default of numpy.savetxt). Blank lines
// and lines starting with '#' are skipped. The
// first line is a header, and is skipped, if none of its fields is a number
// (a line with some numbers is data, so a typo in the first row is an error,
// not a silently dropped row); every other field must parse as a float64
// (strconv.ParseFloat).
// A single column reads as a 1-D array. Errors give the 1-based line number
// in the file ("line N", counting header, comment and blank lines) and the
// 1-based column. The file is streamed twice, never held in memory: a first
// pass splits it into fields and counts them, stopping at a NUL byte (a
// binary file), a field of more than 1 KiB, a ragged row or as soon as the
// count exceeds 2²⁷; the second parses and checks the values into an array
// of exactly their number (so a malformed value is reported after any such
// error of the first pass, even if it comes earlier in the file). The limits
// hold before anything is allocated, as for .npy files.
//
// NPY: format versions 1.0, 2.0 and 3.0; dtypes float64, float32, signed
// and unsigned integers of 1 to 8 bytes and bool, little- or big-endian,
// all converted to float64 (integers beyond 2⁵³ round); C or Fortran order
// (Fortran-order data is reordered); at least one dimension and one element.
// Errors about values give the row and column of the array as read.
//
// Errors are one line that names the file and what is wrong; malformed
// content, a file that is not a regular file and a file over the size limit
// wrap ErrInvalid.
func ReadArray(path string) (Array, error) {
	return readArray(path, fileLimits{csv: maxCSVBytes, npy: maxNPYBytes, values: MaxElements})
}

// readArray is ReadArray with the size limits given.
func readArray(path string, lim fileLimits) (Array, error) {
	var a Array
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".txt":
		f, err := OpenRegular(path, lim.csv, "a CSV file")
		if err != nil {
			return Array{}, fmt.Errorf("data: %w", err)
		}
		defer f.Close()
		// The limit also holds when the file grows after it was opened.
		a, err = readCSV(&limitedFile{f: f, limit: lim.csv}, lim.values)
		if errors.Is(err, errOverLimit) {
			return Array{}, invalidf("data: %s: more than the limit of %d bytes for a CSV file", path, lim.csv)
		}
		if err != nil {
			return Array{}, fmt.Errorf("data: %s: %w", path, err)
		}
	case ".npy":
		raw, err := ReadRegular(path, lim.npy, "a .npy file")
		if err != nil {
			return Array{}, fmt.Errorf("data: %w", err)
		}
		if a, err = decodeNPY(raw); err != nil {
			return Array{}, fmt.Errorf("data: %s: %w", path, err)
		}
	default:
		return Array{}, invalidf("data: %s: unknown file type %q: want .csv, .txt or .npy", path, ext)
	}
	return a, nil
}

// OpenRegular opens the regular file at path for reading. Anything else
// (after following symbolic links: a device such as /dev/zero, a named
// pipe, a socket, a directory) is refused by its type before it is opened,
// so that a named pipe cannot block the caller and a device cannot feed it
// without end; so is a file of more than limit bytes. what names the kind of
// file in the size error ("a CSV file", "a spec").
//
// Errors are one line naming the path: those of the file system are
// *fs.PathError; a file that is not regular or too large gives
// "PATH: is a character device, not a regular file" or
// "PATH: N bytes, more than the limit of L bytes for WHAT", wrapping
// ErrInvalid.
func OpenRegular(path string, limit int64, what string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // *PathError: names the path
	}
	if !fi.Mode().IsRegular() {
		return nil, invalidf("%s: is %s, not a regular file", path, describeMode(fi.Mode()))
	}
	if fi.Size() > limit {
		return nil, invalidf("%s: %d bytes, more than the limit of %d bytes for %s", path, fi.Size(), limit, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The path may have been replaced between Stat and Open.
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, invalidf("%s: is %s, not a regular file", path, describeMode(fi.Mode()))
	}
	return f, nil
}

// ReadRegular returns the content of the regular file at path, of at most
// limit bytes (see OpenRegular, whose errors it returns; a file that grows
// over the limit while it is read is refused the same way).
func ReadRegular(path string, limit int64, what string) ([]byte, error) {
	f, err := OpenRegular(path, limit, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	raw, over, err := readLimited(f, fi.Size(), limit)
	if err != nil {
		return nil, err // *PathError: names the path
	}
	if over { // the file grew after it was opened
		return nil, invalidf("%s: more than the limit of %d bytes for %s", path, limit, what)
	}
	return raw, nil
}

// errOverLimit is returned by a limitedFile read past its limit.
var errOverLimit = errors.New("over the size limit")

// limitedFile is a file read (and rewound) with a bound on the bytes read
// from its start: a read past limit fails with errOverLimit.
type limitedFile struct {
	f     *os.File
	limit int64
	off   int64
}

func (l *limitedFile) Read(b []byte) (int, error) {
	if l.off > l.limit {
		return 0, errOverLimit
	}
	if rest := l.limit + 1 - l.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	n, err := l.f.Read(b)
	l.off += int64(n)
	if l.off > l.limit {
		return n, errOverLimit
	}
	return n, err
}

func (l *limitedFile) Seek(off int64, whence int) (int64, error) {
	o, err := l.f.Seek(off, whence)
	if err == nil {
		l.off = o
	}
	return o, err
}

// readLimited reads r to its end and returns its content, or stops after
// limit+1 bytes and reports over = true. sizeHint, the expected size, sizes
// the first buffer so that a file of the expected size is read without
// regrowing it.
func readLimited(r io.Reader, sizeHint, limit int64) (raw []byte, over bool, err error) {
	hint := min(max(sizeHint, 0), limit) + bytes.MinRead
	if hint > math.MaxInt {
		hint = bytes.MinRead // int is 32 bits: let the buffer grow
	}
	var buf bytes.Buffer
	buf.Grow(int(hint))
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, false, err
	}
	if int64(buf.Len()) > limit {
		return nil, true, nil
	}
	return buf.Bytes(), false, nil
}

// describeMode names the type of a file that is not a regular file, as
// "a directory", "a named pipe (FIFO)" and so on.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return fmt.Sprintf("of mode %v", m)
}

// LoadFile returns the set with inputs read from xPath and targets from
// yPath (see ReadArray for the formats; the two may differ). Row s of each
// file is example s; x has d columns and y has c columns (a 1-D y, or a
// single CSV column, gives c = 1).
func LoadFile(xPath, yPath string) (*Set, error) {
	x, err := ReadArray(xPath)
	if err != nil {
		return nil, err
	}
	y, err := ReadArray(yPath)
	if err != nil {
		return nil, err
	}
	if x.Rows != y.Rows {
		return nil, invalidf("data: %s has %d rows (examples) but %s has %d", xPath, x.Rows, yPath, y.Rows)
	}
	s := &Set{N: x.Rows, D: x.Cols, C: y.Cols, X: x.Data, Y: y.Data,
		Source: fmt.Sprintf("file(x=%s, y=%s)", xPath, yPath)}
	return s, s.Validate()
}

// matrixOf returns the Array of data with the given file shape: 1-D arrays
// are one column, higher ones are shape[0] rows.
func matrixOf(data []float64, shape []int) Array {
	a := Array{Rows: shape[0], Cols: 1, Data: data, Shape: shape}
	for _, s := range shape[1:] {
		a.Cols *= s
	}
	return a
}
