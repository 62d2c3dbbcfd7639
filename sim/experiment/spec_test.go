package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

const validSpec = `{
  "name": "t",
  "model": {"kind": "quartic"},
  "init": {"theta": [0.9]},
  "gd": {"eta": 1.1, "steps": 10},
  "measure": {"sharpness_every": 1}
}`

// buildDoc parses and builds a spec, failing the test on any error.
func buildDoc(t *testing.T, doc string) *Experiment {
	t.Helper()
	exp, err := Build(mustParse(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// runDoc parses, builds and runs a spec, failing the test on any error.
func runDoc(t *testing.T, doc string) *Result {
	t.Helper()
	res, err := buildDoc(t, doc).Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mutate replaces old by new in validSpec, failing when old is absent.
func mutate(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validSpec, old) {
		t.Fatalf("test bug: %q not in the valid spec", old)
	}
	return strings.Replace(validSpec, old, new, 1)
}

// TestParseSpecRejects lists malformed specs with the path of the field the
// error must name (the empty path for document-level problems) and a
// fragment of the message.
func TestParseSpecRejects(t *testing.T) {
	for _, tc := range []struct {
		name, doc, path, msg string
	}{
		{"unknown field", mutate(t, `"gd": {"eta"`, `"gd": {"etta": 1, "eta"`), "gd.etta", "unknown field"},
		{"unknown top-level field", mutate(t, `"name": "t",`, `"name": "t", "colour": 1,`), "colour", "unknown field"},
		{"wrong type", mutate(t, `"steps": 10`, `"steps": "ten"`), "gd.steps", "want an integer"},
		{"fractional steps", mutate(t, `"steps": 10`, `"steps": 10.5`), "gd.steps", "want an integer"},
		{"missing eta", mutate(t, `"eta": 1.1, `, ``), "gd.eta", "missing"},
		{"missing gd", mutate(t, `"gd": {"eta": 1.1, "steps": 10},`, ``), "gd", "missing"},
		{"negative steps", mutate(t, `"steps": 10`, `"steps": -3`), "gd.steps", "must be ≥ 1"},
		{"eta zero", mutate(t, `"eta": 1.1`, `"eta": 0`), "gd.eta", "must be > 0"},
		{"eta negative", mutate(t, `"eta": 1.1`, `"eta": -0.5`), "gd.eta", "must be > 0"},
		{"non-finite theta", mutate(t, `[0.9]`, `[1e400]`), "init.theta[0]", "not a finite float64"},
		{"unknown model kind", mutate(t, `"quartic"`, `"quintic"`), "model.kind", "unknown kind"},
		{"missing model kind", mutate(t, `{"kind": "quartic"}`, `{}`), "model.kind", "missing"},
		{"field of another kind", mutate(t, `{"kind": "quartic"}`, `{"kind": "quartic", "depth": 3}`), "model.depth", "unknown field"},
		{"matfact target not square", mutate(t, `{"kind": "quartic"}`, `{"kind": "matfact", "depth": 2, "dim": 2, "target": [[1, 0], [0]]}`), "model.target[1]", "square"},
		{"matfact dim mismatch", mutate(t, `{"kind": "quartic"}`, `{"kind": "matfact", "depth": 2, "dim": 3, "target": [[1, 0], [0, 1]]}`), "model.target", "dim is 3"},
		{"empty file", "", "", "empty"},
		{"whitespace only", " \n\t ", "", "empty"},
		{"not JSON", "name: default\n", "", "not valid JSON"},
		{"truncated JSON", validSpec[:40], "", "not valid JSON"},
		{"trailing data", validSpec + " {}", "", "unexpected data"},
		{"not an object", "[1, 2]", "", "not a JSON object"},
		{"null section", mutate(t, `"measure": {"sharpness_every": 1}`, `"measure": null`), "measure", "want an object"},
		{"negative sharpness_every", mutate(t, `"sharpness_every": 1`, `"sharpness_every": -1`), "measure.sharpness_every", "≥ 0"},
		{"bad name", mutate(t, `"name": "t"`, `"name": "a/b"`), "name", "letters"},
		{"theta and scheme", mutate(t, `{"theta": [0.9]}`, `{"theta": [0.9], "scheme": "gaussian", "scale": 1}`), "init", "not both"},
		{"unknown scheme", mutate(t, `{"theta": [0.9]}`, `{"scheme": "uniform"}`), "init.scheme", "unknown scheme"},
		{"duplicate key", mutate(t, `"steps": 10`, `"steps": 10, "steps": 20`), "gd.steps", "appears twice"},
		{"duplicate top-level key", mutate(t, `"name": "t",`, `"name": "t", "name": "u",`), "name", "appears twice"},
		{"data for a toy model", mutate(t, `"gd"`, `"data": {"kind": "inline", "x": [[1]], "y": [1]}, "gd"`), "data", "takes no data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(tc.doc))
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SpecError", err, err)
			}
			if se.Path != tc.path || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("error %q: path %q, want %q with a message containing %q", err, se.Path, tc.path, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q spans several lines", err)
			}
		})
	}
}

func TestParseSpecDefaults(t *testing.T) {
	s, err := ParseSpec([]byte(validSpec))
	if err != nil {
		t.Fatal(err)
	}
	if *s.Seed != 1 || s.Measure.TopK != 1 || s.Measure.TraceEvery != 1 || !*s.Measure.SharpnessCenter {
		t.Fatalf("defaults not filled: seed %d, top_k %d, trace_every %d, sharpness_center %v",
			*s.Seed, s.Measure.TopK, s.Measure.TraceEvery, *s.Measure.SharpnessCenter)
	}
	// The resolved spec reads back to the same spec.
	again, err := ParseSpec(s.JSON())
	if err != nil {
		t.Fatalf("resolved spec does not parse: %v\n%s", err, s.JSON())
	}
	if string(again.JSON()) != string(s.JSON()) {
		t.Fatalf("resolved spec is not a fixed point:\n%s\nvs\n%s", s.JSON(), again.JSON())
	}
}

func TestBuildChecksThetaLength(t *testing.T) {
	s, err := ParseSpec([]byte(mutate(t, `[0.9]`, `[0.9, 1.0]`)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(s)
	var se *SpecError
	if !errors.As(err, &se) || se.Path != "init.theta" || !strings.Contains(se.Msg, "1 parameters") {
		t.Fatalf("err = %v, want init.theta naming the parameter count", err)
	}
}

func TestEmbeddedSpecsAreValid(t *testing.T) {
	list := List()
	if len(list) == 0 || list[0].Name != "default" {
		t.Fatalf("List() = %v, want default first", list)
	}
	for _, e := range list {
		s, err := Embedded(e.Name)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		if _, err := Build(s); err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		if e.Description == "" {
			t.Errorf("%s has no description", e.Name)
		}
	}
}

func TestOverrides(t *testing.T) {
	s, err := ParseSpec([]byte(validSpec))
	if err != nil {
		t.Fatal(err)
	}
	steps, eta, seed := 7, 0.5, uint64(9)
	if err := s.Apply(Overrides{Steps: &steps, Eta: &eta, Seed: &seed}); err != nil {
		t.Fatal(err)
	}
	if s.GD.Steps != 7 || s.GD.Eta != 0.5 || *s.Seed != 9 {
		t.Fatalf("overrides not applied: %+v seed %d", s.GD, *s.Seed)
	}
	bad := 0.0
	var se *SpecError
	if err := s.Apply(Overrides{Eta: &bad}); !errors.As(err, &se) || se.Path != "-eta" {
		t.Fatalf("eta override 0: err = %v, want a SpecError on -eta", err)
	}
}

// TestResolveIgnoresFolders: a folder named like an embedded experiment (the
// output folder of an earlier run, say) does not shadow the experiment,
// while a file of that name is read as a spec.
func TestResolveIgnoresFolders(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("quartic", 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Resolve("quartic")
	if err != nil {
		t.Fatalf("Resolve(quartic) beside a folder quartic/: %v", err)
	}
	if s.Name != "quartic" {
		t.Fatalf("Resolve(quartic) returned spec %q", s.Name)
	}
	if err := os.WriteFile("mine", []byte(mutate(t, `"name": "t"`, `"name": "mine"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Resolve("mine"); err != nil || s.Name != "mine" {
		t.Fatalf("Resolve(mine) with a spec file mine: spec %v, err %v", s, err)
	}
}

// TestBuildRejectsNonFiniteStart: a finite θ₀ whose loss overflows (x = 1e200
// on the quartic: x⁴ = 1e800) is bad input, a SpecError on init.theta, not
// a failure of the run.
func TestBuildRejectsNonFiniteStart(t *testing.T) {
	s, err := ParseSpec([]byte(mutate(t, `[0.9]`, `[1e200]`)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(s)
	var se *SpecError
	if !errors.As(err, &se) || se.Path != "init.theta" {
		t.Fatalf("err = %v, want a SpecError on init.theta", err)
	}
}

// TestHugeSizesAreBadInput: sizes that would exhaust memory are spec
// errors naming the field, found before anything is allocated.
func TestHugeSizesAreBadInput(t *testing.T) {
	for _, tc := range []struct{ model, data, path string }{
		{`{"kind": "uv", "width": 100000000000, "target": 1}`, "", "model.width"},
		{`{"kind": "deep-scalar", "depth": 1000000000, "target": 1}`, "", "model.depth"},
		{`{"kind": "matfact", "depth": 1000000000, "dim": 1, "target": [[1]]}`, "", "model.depth"},
		{`{"kind": "twolayer", "width": 1000000000000}`, `{"kind": "inline", "x": [[1]], "y": [1]}`, "model.width"},
		{`{"kind": "twolayer", "width": 2}`, `{"kind": "teacher", "n": 1000000000000, "d": 1000000}`, "data"},
		{`{"kind": "twolayer", "width": 2}`, `{"kind": "anchor", "n": 100000000, "d": 100}`, "data.n"},
	} {
		doc := mutate(t, `{"kind": "quartic"}`, tc.model)
		if tc.data != "" {
			doc = strings.Replace(doc, `"gd"`, `"data": `+tc.data+`, "gd"`, 1)
		}
		doc = strings.Replace(doc, `"init": {"theta": [0.9]}`, `"init": {"scheme": "gaussian", "scale": 1}`, 1)
		s, err := ParseSpec([]byte(doc))
		if err == nil {
			_, err = Build(s)
		}
		var se *SpecError
		if !errors.As(err, &se) || se.Path != tc.path || !strings.Contains(se.Msg, "limit") {
			t.Errorf("%s %s: err %v, want a size SpecError on %s", tc.model, tc.data, err, tc.path)
		}
	}
}

func TestDuplicateKeysNoFalsePositives(t *testing.T) {
	for _, doc := range []string{
		`{"a": [{"k": 1}, {"k": 2}], "b": {"k": 1, "c": {"k": 2}}, "k": [[1, 2], [3]]}`,
		`{"a": {"b": {"c": 1}}, "b": {"a": 2}, "c": [{"a": {"a": 1}}]}`,
	} {
		if err := duplicateKeys([]byte(doc)); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	err := duplicateKeys([]byte(`{"a": [{"k": 1}, {"k": 2, "x": {"y": 1, "y": 2}}]}`))
	var se *SpecError
	if !errors.As(err, &se) || se.Path != "a[1].x.y" {
		t.Fatalf("err %v, want a duplicate at a[1].x.y", err)
	}
}

// A summary value JSON cannot hold (an overflowed |a|²) is written as null
// with a note, instead of failing the run's output; everything else is as
// in the normal summary.
func TestSummaryJSONNonFinite(t *testing.T) {
	res := runDoc(t, strings.Replace(validSpec, `"steps": 10`, `"steps": 400`, 1))
	if res.Analysis.Regime != "2-cycle" {
		t.Fatalf("regime %s, want the quartic's 2-cycle", res.Analysis.Regime)
	}
	var normal, odd map[string]any
	if err := json.Unmarshal(res.SummaryJSON(), &normal); err != nil {
		t.Fatal(err)
	}
	res.Analysis.AmplitudeSq = math.Inf(1)
	if err := json.Unmarshal(res.SummaryJSON(), &odd); err != nil {
		t.Fatal(err)
	}
	cycle := odd["cycle"].(map[string]any)
	if v, ok := cycle["amplitude_sq"]; !ok || v != nil {
		t.Errorf("amplitude_sq = %v, want null", v)
	}
	notes, _ := odd["notes"].([]any)
	if len(notes) != 1 {
		t.Errorf("notes %v, want one on the null values", notes)
	}
	for _, k := range []string{"final_loss", "final_theta", "steps", "regime", "eta"} {
		if a, b := fmt.Sprint(normal[k]), fmt.Sprint(odd[k]); a != b {
			t.Errorf("%s: %s, normal summary %s", k, b, a)
		}
	}
	if a, b := fmt.Sprint(normal["cycle"].(map[string]any)["losses"]), fmt.Sprint(cycle["losses"]); a != b {
		t.Errorf("cycle losses %s, normal summary %s", b, a)
	}
}

// TestNoPathsOutsideTheRepository: what eoskit prints about its embedded
// experiments (eoskit list, the data's description in the report and the
// summary) names no file outside the repository; anchor-eos cited
// shared/anchors/w4_eos.py and common.py.
func TestNoPathsOutsideTheRepository(t *testing.T) {
	for _, e := range List() {
		spec, err := Embedded(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		text := e.Description
		if spec.Data != nil && spec.Data.Kind != "mnist" { // MNIST's decoding is slower; its description names GoMNIST
			exp, err := Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			text += " " + exp.Model
		}
		if strings.Contains(text, "shared/") || strings.Contains(text, "/work/") {
			t.Errorf("%s: %q names a path outside the repository", e.Name, text)
		}
	}
}
