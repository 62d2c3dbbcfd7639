package experiment

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFailedWriteKeepsPreviousResult: when writing a run's files fails
// half-way, the staging folder is removed and the earlier result in the
// destination is left exactly as it was.
func TestFailedWriteKeepsPreviousResult(t *testing.T) {
	res := runDoc(t, validSpec)
	parent := t.TempDir()
	dir := filepath.Join(parent, "r")
	if _, _, err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.WriteFile("summary.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// A file in a subfolder is written (the folder is created); a file
	// over that folder cannot be, and the write fails.
	if err := out.WriteFile("sub/x.csv", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out.stage, "sub", "x.csv")); err != nil {
		t.Fatal(err)
	}
	if err := out.WriteFile("sub", []byte("x")); err == nil {
		t.Fatal("writing a file over a folder succeeded")
	}
	out.Abort()
	after, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || string(after) != string(before) {
		t.Fatalf("the earlier result changed (%v)", err)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 {
		t.Fatalf("%d entries next to the result, want none but r (the staging folder must be gone)", len(ents))
	}
}

func TestCheckDestination(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, files ...string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			path := filepath.Join(d, f)
			if f[len(f)-1] == '/' {
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	for _, tc := range []struct {
		dir string
		ok  bool
	}{
		{filepath.Join(dir, "absent"), true},
		{mk("empty"), true},
		{mk("result", "spec.json", "summary.json", "trace.csv", "flow_gradient.csv", "loss.png", "loss.svg"), true},
		{mk("foreign", "spec.json", "summary.json", "thesis.tex"), false},
		{mk("partial", "trace.csv"), false},
		{mk("nested", "spec.json", "summary.json", "sub/"), false},
		{mk("named-like-a-file", "spec.json", "summary.json", "loss.png/"), false},
	} {
		if err := CheckDestination(tc.dir); (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok = %v", filepath.Base(tc.dir), err, tc.ok)
		}
	}
}
