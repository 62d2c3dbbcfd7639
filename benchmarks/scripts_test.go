package benchmarks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needScripts skips t where the benchmark scripts cannot run: without bash,
// or outside a git checkout (they work from the repository root).
func needScripts(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	if err := exec.Command("git", "rev-parse", "--show-toplevel").Run(); err != nil {
		t.Skip("not in a git checkout (the scripts work from the repository root)")
	}
}

// comparePair runs compare.sh --pair with RESULTS set to dir (the committed
// results when empty) and the extra environment env, and returns BASE and
// NEW. NEW, BASE and RESULTS inherited from the caller's environment are
// dropped, so that they cannot change the outcome.
func comparePair(t *testing.T, dir string, env ...string) (base, head string) {
	t.Helper()
	cmd := exec.Command("bash", "compare.sh", "--pair")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NEW=") && !strings.HasPrefix(kv, "BASE=") && !strings.HasPrefix(kv, "RESULTS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if dir != "" {
		cmd.Env = append(cmd.Env, "RESULTS="+dir)
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("compare.sh --pair: %v: %s", err, stderr)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		t.Fatalf("compare.sh --pair printed %q, want BASE NEW", out)
	}
	return f[0], f[1]
}

// TestCompareDefaults checks that make bench-compare (compare.sh) finds a
// pair to compare by default in a fresh clone, where the newest saved result
// may be a one-off run with nothing older to compare against: it then takes
// the newest result that has a base (same -bench pattern, else a benchmark in
// common), rather than failing; with BASE given, NEW stays the newest.
func TestCompareDefaults(t *testing.T) {
	needScripts(t)
	dir := t.TempDir()
	files := map[string]string{
		"2026-01-01T1000-a.txt":           "bench-args: -bench 'Gemm'\nBenchmarkGemm/impl=asm 1 10 ns/op\n",
		"2026-01-01T1100-b.txt":           "bench-args: -bench 'Gemm'\nBenchmarkGemm/impl=asm 1 9 ns/op\n",
		"2026-01-01T1200-c.txt":           "bench-args: -bench 'Peak'\nBenchmarkPeak/impl=x 1 5 ns/op\n",
		"2026-01-01T1300-notes.txt":       "a note without a bench-args header\nBenchmarkPeak/impl=x 1 5 ns/op\n",
		"2026-01-01T1100-b-benchstat.txt": "bench-args: -bench 'Gemm'\nBenchmarkGemm/impl=asm 1 9 ns/op\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, head := comparePair(t, dir)
	if filepath.Base(base) != "2026-01-01T1000-a.txt" || filepath.Base(head) != "2026-01-01T1100-b.txt" {
		t.Errorf("synthetic results: compared %s with %s, want a with b", base, head)
	}
	// With BASE given, NEW is the newest result, comparable or not.
	base, head = comparePair(t, dir, "BASE="+filepath.Join(dir, "2026-01-01T1000-a.txt"))
	if filepath.Base(base) != "2026-01-01T1000-a.txt" || filepath.Base(head) != "2026-01-01T1200-c.txt" {
		t.Errorf("synthetic results with BASE=a: compared %s with %s, want a with c", base, head)
	}
	// The committed results: some pair, older first.
	base, head = comparePair(t, "")
	if filepath.Base(base) >= filepath.Base(head) {
		t.Errorf("committed results: BASE %s is not older than NEW %s", base, head)
	}
}

// TestRunSameMinute checks that make bench (run.sh) never replaces a saved
// result: two runs in a row (within one minute, as a rule) leave two files,
// each with its header. Each run executes no benchmark (-b '^$') but the
// whole script, so it takes a few seconds (skipped with -short).
func TestRunSameMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test twice")
	}
	needScripts(t)
	dir := t.TempDir()
	for range 2 {
		cmd := exec.Command("bash", "run.sh", "-b", "^$", "-n", "1", "-c", "1", "-t", "1x")
		cmd.Env = append(os.Environ(), "RESULTS="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run.sh: %v\n%s", err, out)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("two runs left %d result files: %v", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "bench-args: -bench '^$'") {
			t.Errorf("%s has no bench-args header", f)
		}
	}
}
