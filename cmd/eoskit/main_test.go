package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodSpec = `{
  "name": "q",
  "model": {"kind": "quartic"},
  "init": {"theta": [0.9]},
  "gd": {"eta": 1.1, "steps": 100},
  "measure": {"sharpness_every": 1}
}`

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e, false)
	return code, o.String(), e.String()
}

// TestMalformedSpecs: each kind of malformed spec gives exit status 2, one
// line on stderr naming the field, and leaves no output folder behind.
func TestMalformedSpecs(t *testing.T) {
	for _, tc := range []struct {
		name, doc, field string
	}{
		{"unknown field", strings.Replace(goodSpec, `"eta"`, `"etaa": 1, "eta"`, 1), "gd.etaa"},
		{"wrong type", strings.Replace(goodSpec, `"steps": 100`, `"steps": "100"`, 1), "gd.steps"},
		{"missing eta", strings.Replace(goodSpec, `"eta": 1.1, `, ``, 1), "gd.eta"},
		{"negative steps", strings.Replace(goodSpec, `"steps": 100`, `"steps": -100`, 1), "gd.steps"},
		{"eta zero", strings.Replace(goodSpec, `"eta": 1.1`, `"eta": 0`, 1), "gd.eta"},
		{"non-finite theta", strings.Replace(goodSpec, `[0.9]`, `[1e400]`, 1), "init.theta[0]"},
		{"theta wrong length", strings.Replace(goodSpec, `[0.9]`, `[0.9, 0.1]`, 1), "init.theta"},
		{"loss overflows at theta", strings.Replace(goodSpec, `[0.9]`, `[1e200]`, 1), "init.theta"},
		{"unknown model kind", strings.Replace(goodSpec, `"quartic"`, `"sextic"`, 1), "model.kind"},
		{"empty file", "", "empty"},
		{"not JSON", "this is not json", "not valid JSON"},
		{"empty key", strings.Replace(goodSpec, `"eta"`, `"": 1, "eta"`, 1), `gd.""`},
		{"empty key twice", `{"": "x", "": "y"}`, `""`},
		{"eta so small 2/eta overflows", strings.Replace(goodSpec, `"eta": 1.1`, `"eta": 5e-324`, 1), "gd.eta"},
		{"name dot", strings.Replace(goodSpec, `"name": "q"`, `"name": "."`, 1), "name"},
		{"name dotdot", strings.Replace(goodSpec, `"name": "q"`, `"name": ".."`, 1), "name"},
		{"matfact work space too large", `{"name": "a", "model": {"kind": "matfact", "depth": 100000000, "dim": 1, "target": [[1]]},
			"init": {"scheme": "gaussian", "scale": 0.1}, "gd": {"eta": 0.1, "steps": 3}}`, "model.depth"},
		{"run memory too large", `{"name": "a", "model": {"kind": "uv", "width": 60000000, "target": 1},
			"init": {"scheme": "gaussian", "scale": 0.1}, "gd": {"eta": 0.1, "steps": 3}, "measure": {"sharpness_every": 1}}`, "model:"},
		{"dense Hessian too large", `{"name": "a", "model": {"kind": "uv", "width": 70000, "target": 1},
			"init": {"scheme": "gaussian", "scale": 0.1}, "gd": {"eta": 0.1, "steps": 3}, "measure": {"sharpness_every": 1, "method": "dense"}}`, "measure.method"},
		{"explicit zero top_k", strings.Replace(goodSpec, `"sharpness_every": 1`, `"sharpness_every": 1, "top_k": 0`, 1), "measure.top_k"},
		{"explicit zero mnist n", `{"name": "a", "model": {"kind": "twolayer", "width": 4}, "data": {"kind": "mnist", "n": 0},
			"init": {"scheme": "network"}, "gd": {"eta": 0.1, "steps": 3}}`, "data.n"},
		{"trace too long", strings.Replace(goodSpec, `"steps": 100`, `"steps": 600000000`, 1), "gd.steps"},
		{"name too long", strings.Replace(goodSpec, `"name": "q"`, `"name": "`+strings.Repeat("q", 300)+`"`, 1), "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile("spec.json", []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "run", "-quiet", "-out", "result", "spec.json")
			if code != 2 {
				t.Fatalf("exit status %d, want 2 (stderr %q)", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.field) {
				t.Fatalf("stderr %q: want one line naming %q", stderr, tc.field)
			}
			if stdout != "" {
				t.Fatalf("stdout %q, want nothing", stdout)
			}
			ents, err := os.ReadDir(".")
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 1 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Fatalf("the folder holds %v; a rejected spec must leave nothing but itself", names)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"run", "-steps", "0", "quartic"},
		{"run", "-eta", "-1", "quartic"},
		{"run", "-eta", "1e-320", "quartic"},
		{"run", "-out", "", "quartic"},
		{"run", "-bogus", "quartic"},
		{"run"},
		{"run", "no-such-experiment"},
		{"frobnicate"},
		{"list", "extra"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			code, _, stderr := runCLI(t, args...)
			if code != 2 || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line", code, stderr)
			}
			if _, err := os.Stat("out"); !os.IsNotExist(err) {
				t.Fatalf("an output folder was created")
			}
		})
	}
}

func readSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDefaultRun runs `eoskit` with no arguments: the paper's MF-EoS case
// ends on the stable 2-cycle with losses {0.255041, 0.387776} (design notes
// O21, computed independently in float64).
func TestDefaultRun(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"spec.json", "trace.csv", "summary.json", "loss.png", "loss.svg", "sharpness.png", "sharpness.svg"} {
		if st, err := os.Stat(filepath.Join("out", "default", f)); err != nil || st.Size() == 0 {
			t.Errorf("out/default/%s: %v", f, err)
		}
	}
	m := readSummary(t, filepath.Join("out", "default"))
	if m["regime"] != "2-cycle" || m["diverged"] != false || m["steps"] != 20000.0 {
		t.Fatalf("summary: regime %v, diverged %v, steps %v", m["regime"], m["diverged"], m["steps"])
	}
	losses := m["cycle"].(map[string]any)["losses"].([]any)
	// The design notes quote the losses to 6 decimals: agreement to 1e-5
	// is what the quoted digits support.
	for i, want := range []float64{0.255041, 0.387776} {
		if got := losses[i].(float64); math.Abs(got-want) > 1e-5 {
			t.Errorf("cycle loss %d = %.7f, want %.6f", i, got, want)
		}
	}
	if !strings.Contains(stdout, "2-cycle") || !strings.Contains(stdout, "0.255041") || !strings.Contains(stdout, "2/η") {
		t.Errorf("human summary lacks the regime, the cycle's losses or 2/η:\n%s", stdout)
	}
	// No staging folders are left next to the result.
	ents, _ := os.ReadDir("out")
	if len(ents) != 1 {
		t.Errorf("out/ holds %d entries, want only default/", len(ents))
	}
}

func TestRunWritesTraceRows(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("q.json", []byte(goodSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "run", "-quiet", "-steps", "50", "q.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// An overridden run gets a folder of its own.
	b, err := os.ReadFile(filepath.Join("out", "q-steps50", "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.HasPrefix(lines[0], "step,t,loss,") || !strings.Contains(lines[0], "sharpness") {
		t.Fatalf("header %q", lines[0])
	}
	// -steps 50 overrides the spec: states 0..50, one row each.
	if len(lines) != 52 {
		t.Fatalf("%d lines, want a header and 51 rows", len(lines))
	}
	spec, err := os.ReadFile(filepath.Join("out", "q-steps50", "spec.json"))
	if err != nil || !strings.Contains(string(spec), `"steps": 50`) {
		t.Fatalf("resolved spec does not record the override: %s", spec)
	}
}

// TestRejectedRunKeepsPreviousResult: a result folder is replaced only by a
// complete new one.
func TestRejectedRunKeepsPreviousResult(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, e := runCLI(t, "run", "-quiet", "-steps", "10", "quartic"); code != 0 {
		t.Fatal(e)
	}
	before, err := os.ReadFile(filepath.Join("out", "quartic-steps10", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "run", "-quiet", "-steps", "10", "-eta", "0", "-out", filepath.Join("out", "quartic-steps10"), "quartic"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	after, err := os.ReadFile(filepath.Join("out", "quartic-steps10", "summary.json"))
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the previous result changed: %v", err)
	}
}

func TestList(t *testing.T) {
	code, stdout, _ := runCLI(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"default", "mf-stable", "quartic"} {
		if !strings.Contains(stdout, name) {
			t.Errorf("list lacks %s:\n%s", name, stdout)
		}
	}
	if first := strings.Fields(stdout)[0]; first != "default" {
		t.Errorf("list starts with %q, want default", first)
	}
}

// TestOutRefusesForeignFolders: -out replaces only an earlier result or an
// empty folder; anything else is refused before the run, untouched.
func TestOutRefusesForeignFolders(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(filepath.Join("victim", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("victim", "sub", "data.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("plainfile", []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("victim", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"victim", "plainfile", filepath.Join("victim", "sub")} {
		code, _, stderr := runCLI(t, "run", "-quiet", "-steps", "5", "-out", dir, "quartic")
		if code != 2 || !strings.Contains(stderr, "-out") || strings.Count(stderr, "\n") != 1 {
			t.Fatalf("-out %s: exit %d, stderr %q; want 2 and one line about -out", dir, code, stderr)
		}
	}
	if b, err := os.ReadFile(filepath.Join("victim", "sub", "data.txt")); err != nil || string(b) != "x" {
		t.Fatalf("victim/sub/data.txt was touched: %v", err)
	}
	if b, err := os.ReadFile("plainfile"); err != nil || string(b) != "keep me" {
		t.Fatalf("plainfile was touched: %v", err)
	}
	ents, _ := os.ReadDir(".")
	if len(ents) != 2 {
		t.Fatalf("%d entries in the folder, want victim and plainfile only (no staging folders)", len(ents))
	}
	// An empty folder and an earlier result are replaced.
	if err := os.Mkdir("empty", 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code, _, stderr := runCLI(t, "run", "-quiet", "-steps", "5", "-out", "empty", "quartic"); code != 0 {
			t.Fatalf("run %d into an empty folder / earlier result: exit %d: %s", i, code, stderr)
		}
	}
}

func TestFlagsAfterSpec(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI(t, "run", "quartic", "-quiet", "-steps", "7", "-out", "o")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if m := readSummary(t, "o"); m["steps"] != 7.0 {
		t.Fatalf("steps %v, want the -steps 7 given after SPEC", m["steps"])
	}
}

func TestBuildErrorsNameTheFile(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("s.json", []byte(strings.Replace(goodSpec, `[0.9]`, `[0.9, 1]`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "run", "-quiet", "s.json")
	if code != 2 || !strings.Contains(stderr, "spec s.json: init.theta") {
		t.Fatalf("exit %d, stderr %q; want 2 naming the file and the field", code, stderr)
	}
}

// -h after a command prints the usage and succeeds, like eoskit -h.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"run", "-h"}, {"spectrum", "-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 || !strings.Contains(stdout, "eoskit run") || stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the usage", code, stdout, stderr)
			}
		})
	}
}

// A Hessian that overflows where the loss and gradient are finite (deep
// scalar product with factors 1e-100, 1e100, 1e100) does not lose the run:
// the measurements are missing, the summary says why, the exit status is 0.
func TestHessianOverflowKeepsRun(t *testing.T) {
	t.Chdir(t.TempDir())
	doc := `{"name": "ds", "model": {"kind": "deep-scalar", "depth": 3, "target": 1},
		"init": {"theta": [1e-100, 1e100, 1e100]}, "gd": {"eta": 1e-3, "steps": 3}, "measure": {"sharpness_every": 1}}`
	if err := os.WriteFile("ds.json", []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "run", "-quiet", "-out", "o", "ds.json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "note: ") {
		t.Errorf("the report does not mention the failed measurement:\n%s", stdout)
	}
	b, err := os.ReadFile(filepath.Join("o", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		FinalSharpness *float64 `json:"final_sharpness"`
		Notes          []string `json:"notes"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.FinalSharpness != nil || len(sum.Notes) == 0 || !strings.Contains(sum.Notes[0], "non-finite") {
		t.Errorf("final_sharpness %v, notes %q; want null and a note on the non-finite Hessian", sum.FinalSharpness, sum.Notes)
	}
}

// The spec.json of a run on file data names the files by absolute paths,
// so it runs again from anywhere and reproduces the trace bit for bit.
func TestFileDataSpecRerun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for name, body := range map[string]string{"x.csv": "1,2\n3,4\n5,6\n", "y.csv": "1\n0\n1\n",
		"s.json": `{"name": "f", "model": {"kind": "twolayer", "width": 3}, "data": {"kind": "file", "x": "x.csv", "y": "y.csv"},
			"init": {"scheme": "network"}, "gd": {"eta": 0.1, "steps": 5}}`} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runCLI(t, "run", "-quiet", "-out", "o", "s.json"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Chdir(t.TempDir()) // elsewhere
	if code, _, stderr := runCLI(t, "run", "-quiet", "-out", "o2", filepath.Join(dir, "o", "spec.json")); code != 0 {
		t.Fatalf("re-running spec.json: exit %d: %s", code, stderr)
	}
	a, err := os.ReadFile(filepath.Join(dir, "o", "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("o2", "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("the re-run's trace differs")
	}
}

// TestFolded: the report lists a subfolder's files as one entry.
func TestFolded(t *testing.T) {
	got := strings.Join(folded([]string{"spec.json", "k/a.csv", "trace.csv", "k/b.csv", "one/x"}), ", ")
	if want := "spec.json, k/ (2 files), trace.csv, one/ (1 file)"; got != want {
		t.Fatalf("folded: %q, want %q", got, want)
	}
}
