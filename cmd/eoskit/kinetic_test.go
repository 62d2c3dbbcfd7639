package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKineticLimitBadInput: bad flags and specs the particle system cannot
// take give exit status 2, one line on stderr and no output folder.
func TestKineticLimitBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"kinetic-limit"},
		{"kinetic-limit", "-widths", "8", "teacher-eos"},
		{"kinetic-limit", "-widths", "32,8", "teacher-eos"},
		{"kinetic-limit", "-widths", "8,x", "teacher-eos"},
		{"kinetic-limit", "-seeds", "1", "teacher-eos"},
		{"kinetic-limit", "-steps", "-3", "teacher-eos"},
		{"kinetic-limit", "-rms", "0", "teacher-eos"},
		{"kinetic-limit", "-rtol", "1", "teacher-eos"},
		{"kinetic-limit", "-out", "", "teacher-eos"},
		{"kinetic-limit", "-bogus", "teacher-eos"},
		{"kinetic-limit", "-quick", "mf-stable"},          // not a network
		{"kinetic-limit", "-quick", "anchor-eos"},         // a fixed initialisation
		{"kinetic-limit", "-quick", "no-such-experiment"}, // not a spec
		{"kinetic-limit", "-quick", "ntk.json"},           // NTK scaling
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			ntk := `{"name": "n", "model": {"kind": "twolayer", "width": 8, "scaling": "ntk"},
				"data": {"kind": "teacher", "n": 10, "d": 3}, "init": {"scheme": "network"}, "gd": {"eta": 1, "steps": 4}}`
			if err := os.WriteFile("ntk.json", []byte(ntk), 0o644); err != nil {
				t.Fatal(err)
			}
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

// TestKineticLimitQuick runs the smoke sweep twice into the same folder
// (the second run replaces the first) and checks the table and the files.
func TestKineticLimitQuick(t *testing.T) {
	t.Chdir(t.TempDir())
	for range 2 {
		code, stdout, stderr := runCLI(t, "kinetic-limit", "-quick", "-quiet", "-steps", "8", "-out", "kl", "teacher-eos")
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if !strings.Contains(stdout, "ratio") || !strings.Contains(stdout, "std ∝ m^a") {
			t.Fatalf("no table:\n%s", stdout)
		}
	}
	for _, f := range []string{"spec.json", "summary.json", "trace.csv", "kinetic_limit.png", "kinetic_limit.svg"} {
		if st, err := os.Stat(filepath.Join("kl", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join("kl", "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 2 widths × 3 seeds × 3 steps (2, 4, 8), and the header.
	if len(rows) != 1+18 || strings.Join(rows[0], ",") != "width,seed,step,t,free_energy,loss" {
		t.Errorf("trace.csv: %d rows, header %v", len(rows), rows[0])
	}
	sum := readSummary(t, "kl")
	if ws, ok := sum["widths"].([]any); !ok || len(ws) != 2 {
		t.Errorf("summary widths %v", sum["widths"])
	}
}
