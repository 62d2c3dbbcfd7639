package main

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkODEArenstorf/method=DOP853/tol=1e-12-2   1   312000 ns/op   4248 rhs-evals/op   0 B/op   0 allocs/op
BenchmarkGemm/impl=asm/shape=NT-2                 1   1000 ns/op     30.1 GFLOP/s    16 B/op   1 allocs/op
PASS
`

func rules(specs ...string) []*rule {
	var rs []*rule
	for i := 0; i+2 < len(specs); i += 3 {
		mx, err := strconv.ParseFloat(specs[i+2], 64)
		if err != nil {
			panic(err)
		}
		rs = append(rs, &rule{re: regexp.MustCompile(specs[i]), metric: specs[i+1], max: mx})
	}
	return rs
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		rules []*rule
		nbad  int
	}{
		{"within limits", sample, rules(`^BenchmarkODEArenstorf/method=DOP853/tol=1e-12$`, "rhs-evals/op", "4286", `^BenchmarkODE`, "allocs/op", "0"), 0},
		{"too many evaluations", sample, rules(`DOP853`, "rhs-evals/op", "4000"), 1},
		{"allocations", sample, rules(`^BenchmarkGemm/impl=asm`, "allocs/op", "0"), 1},
		{"wall time is never a metric here", sample, rules(`Gemm`, "allocs/op", "4286"), 0},
		{"no GOMAXPROCS suffix", strings.Replace(sample, "tol=1e-12-2", "tol=1e-12", 1), rules(`tol=1e-12$`, "rhs-evals/op", "4286"), 0},
		{"failed run", sample + "--- FAIL: BenchmarkX\nFAIL\n", nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := check(strings.NewReader(tc.input), io.Discard, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != tc.nbad {
				t.Fatalf("violations %q, want %d", bad, tc.nbad)
			}
			for _, r := range tc.rules {
				if r.hits == 0 {
					t.Errorf("rule %s %s matched nothing", r.re, r.metric)
				}
			}
		})
	}
}
