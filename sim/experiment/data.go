package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/eoskit/eoskit/sim/data"
)

// dataParams is implemented by the parameters of each data kind.
type dataParams interface {
	// validate checks ranges and fills defaults; path is "data".
	validate(path string) error
	// load builds the data set; errors name the spec field (path "data").
	load(env *buildEnv) (*dataSet, error)
}

// dataSet is a loaded data set with its description.
type dataSet struct {
	set      *data.Set
	describe string
}

// dataKinds is the table of data kinds, by the name specs use.
func dataKinds() map[string]func() dataParams {
	return map[string]func() dataParams{
		"inline":  func() dataParams { return &inlineData{} },
		"teacher": func() dataParams { return &teacherData{} },
		"mnist":   func() dataParams { return &mnistData{} },
		"file":    func() dataParams { return &fileData{} },
		"anchor":  func() dataParams { return &anchorData{} },
	}
}

// DataKinds returns the data kinds a spec may name, sorted.
func DataKinds() []string {
	return slices.Sorted(maps.Keys(dataKinds()))
}

// loaded wraps a data constructor's result: invalid data is a SpecError on
// the "data" field (bad input), anything else (an I/O failure) is wrapped.
func loaded(s *data.Set, err error) (*dataSet, error) {
	if err != nil {
		if errors.Is(err, data.ErrInvalid) {
			return nil, specErr("data", "%s", strings.TrimPrefix(err.Error(), "data: "))
		}
		return nil, fmt.Errorf("data: %w", err)
	}
	return &dataSet{set: s, describe: s.String()}, nil
}

// inlineData: {"kind":"inline","x":[[...],...],"y":[...] or [[...],...]}.
type inlineData struct {
	X [][]float64 `json:"x" spec:"required"`
	Y rowsOrFlat  `json:"y" spec:"required"`
}

func (d *inlineData) validate(string) error { return nil }

func (d *inlineData) load(*buildEnv) (*dataSet, error) {
	if d.Y.flat != nil {
		return loaded(data.InlineScalar(d.X, d.Y.flat))
	}
	return loaded(data.Inline(d.X, d.Y.rows))
}

// rowsOrFlat is a matrix given as rows, or (one column) as a flat array.
type rowsOrFlat struct {
	rows [][]float64
	flat []float64
}

func (r *rowsOrFlat) bindJSON(v any, path string) error {
	arr, ok := v.([]any)
	if !ok {
		return specErr(path, "want an array, got %s", describe(v))
	}
	if len(arr) > 0 {
		if _, nested := arr[0].([]any); nested {
			return bind(v, reflect.ValueOf(&r.rows).Elem(), path)
		}
	}
	return bind(v, reflect.ValueOf(&r.flat).Elem(), path)
}

// MarshalJSON writes the form the spec used.
func (r rowsOrFlat) MarshalJSON() ([]byte, error) {
	if r.rows != nil {
		return json.Marshal(r.rows)
	}
	return json.Marshal(r.flat)
}

// teacherData: Gaussian inputs labelled by a random tanh teacher network.
type teacherData struct {
	N       int     `json:"n" spec:"required"`
	D       int     `json:"d" spec:"required"`
	Width   int     `json:"width" spec:"positive"`
	Outputs int     `json:"outputs" spec:"positive"`
	Noise   float64 `json:"noise"`
	// Seed of the data set (default 1), independent of the spec's master
	// seed so that -seed changes the initialisation, not the data.
	Seed *uint64 `json:"seed"`
}

func (d *teacherData) validate(path string) error {
	switch {
	case d.N < 1:
		return specErr(join(path, "n"), "must be ≥ 1 (got %d)", d.N)
	case d.D < 1:
		return specErr(join(path, "d"), "must be ≥ 1 (got %d)", d.D)
	case d.Width < 0:
		return specErr(join(path, "width"), "must be ≥ 1 (got %d)", d.Width)
	case d.Outputs < 0:
		return specErr(join(path, "outputs"), "must be ≥ 1 (got %d)", d.Outputs)
	case d.Noise < 0:
		return specErr(join(path, "noise"), "must be ≥ 0 (got %v)", d.Noise)
	}
	cfg := data.TeacherConfig{Width: d.Width, Outputs: d.Outputs}.Resolved()
	d.Width, d.Outputs = cfg.Width, cfg.Outputs
	for _, c := range [][2]int{{d.N, d.D}, {d.N, d.Outputs}, {d.Width, d.D}, {d.Width, d.Outputs}} {
		if err := checkSize(path, "data values", c[0], c[1]); err != nil {
			return err
		}
	}
	if d.Seed == nil {
		one := uint64(1)
		d.Seed = &one
	}
	return nil
}

func (d *teacherData) load(*buildEnv) (*dataSet, error) {
	return loaded(data.Teacher(data.TeacherConfig{N: d.N, D: d.D, Width: d.Width, Outputs: d.Outputs, Noise: d.Noise, Seed: *d.Seed}))
}

// mnistData: n MNIST training images from the embedded subset.
type mnistData struct {
	N           int    `json:"n" spec:"positive"`
	Classes     []int  `json:"classes"`
	Downsample  bool   `json:"downsample"`
	Standardize string `json:"standardize"`
	OneHot      bool   `json:"one_hot"`
}

func (d *mnistData) validate(path string) error {
	if d.N < 0 {
		return specErr(join(path, "n"), "must be ≥ 1 (got %d)", d.N)
	}
	if d.N > data.MNISTSubset {
		return specErr(join(path, "n"), "is %d; the embedded MNIST subset has %d images", d.N, data.MNISTSubset)
	}
	cfg := data.MNISTConfig{N: d.N, Classes: d.Classes, Downsample: d.Downsample, Standardize: d.Standardize, OneHot: d.OneHot}.Resolved()
	d.N, d.Classes, d.Standardize = cfg.N, cfg.Classes, cfg.Standardize
	for i, c := range d.Classes {
		if c < 0 || c > 9 {
			return specErr(fmt.Sprintf("%s[%d]", join(path, "classes"), i), "digit %d is not in 0…9", c)
		}
	}
	switch d.Standardize {
	case data.StandardizeGlobal, data.StandardizeFeature, data.StandardizeNone:
	default:
		return specErr(join(path, "standardize"), "unknown %q (global, feature or none)", d.Standardize)
	}
	return nil
}

func (d *mnistData) load(*buildEnv) (*dataSet, error) {
	return loaded(data.MNIST(data.MNISTConfig{N: d.N, Classes: d.Classes, Downsample: d.Downsample, Standardize: d.Standardize, OneHot: d.OneHot}))
}

// fileData: x and y from CSV or NumPy .npy files. Relative paths are
// relative to the folder of the spec file (or the working directory for
// embedded specs).
type fileData struct {
	X string `json:"x" spec:"required"`
	Y string `json:"y" spec:"required"`
}

func (d *fileData) validate(path string) error {
	if d.X == "" {
		return specErr(join(path, "x"), "is empty")
	}
	if d.Y == "" {
		return specErr(join(path, "y"), "is empty")
	}
	return nil
}

func (d *fileData) load(env *buildEnv) (*dataSet, error) {
	// Paths are relative to the spec's folder. The resolved spec (spec.json
	// of the result) records them absolute, so that it can be run again
	// from wherever it is.
	resolve := func(p string) string {
		if !filepath.IsAbs(p) && env.spec.dir != "" {
			p = filepath.Join(env.spec.dir, p)
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p
	}
	d.X, d.Y = resolve(d.X), resolve(d.Y)
	s, err := data.LoadFile(d.X, d.Y)
	if err != nil && !errors.Is(err, data.ErrInvalid) {
		// A missing or unreadable file is bad input too.
		return nil, specErr("data", "%s", strings.TrimPrefix(err.Error(), "data: "))
	}
	return loaded(s, err)
}

// anchorData: the exact problem of the Python performance anchors
// (common.py of the anchors, see benchmarks/doc.go): SplitMix64 Gaussian inputs, labels from the
// width-4 teacher or random N(0,1) labels (w4_eos.py).
type anchorData struct {
	N      int    `json:"n" spec:"positive"`
	D      int    `json:"d" spec:"positive"`
	Labels string `json:"labels"`
}

func (d *anchorData) validate(path string) error {
	if d.N == 0 {
		d.N = data.AnchorN
	}
	if d.D == 0 {
		d.D = data.AnchorD
	}
	if d.N < 1 {
		return specErr(join(path, "n"), "must be ≥ 1 (got %d)", d.N)
	}
	if d.D < 1 {
		return specErr(join(path, "d"), "must be ≥ 1 (got %d)", d.D)
	}
	if err := checkSize(join(path, "n"), "data values", d.N, d.D); err != nil {
		return err
	}
	if d.Labels == "" {
		d.Labels = data.AnchorRandom
	}
	if d.Labels != data.AnchorRandom && d.Labels != data.AnchorTeacher {
		return specErr(join(path, "labels"), "unknown %q (random or teacher)", d.Labels)
	}
	return nil
}

func (d *anchorData) load(*buildEnv) (*dataSet, error) {
	return loaded(data.Anchor(d.N, d.D, d.Labels))
}
