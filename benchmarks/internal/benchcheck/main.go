// Command benchcheck checks the deterministic figures of a `go test -bench`
// run against limits: allocations per op, evaluation counts (HVPs,
// right-hand-side evaluations) and the like. It never looks at wall time, so
// CI can run every benchmark once (-benchtime=1x) as a smoke test and fail
// only on figures that do not depend on the machine's load.
//
// Usage:
//
//	go test ./benchmarks -run '^$' -bench . -benchtime=1x | go run ./benchmarks/internal/benchcheck benchmarks/limits.txt
//
// The limits file has one rule per line, "REGEXP METRIC MAX": every
// benchmark whose name (without the -GOMAXPROCS suffix) matches REGEXP and
// reports METRIC must report at most MAX. The name is matched both as printed
// and without a trailing "-N" (the GOMAXPROCS suffix that go test adds when
// it is not 1), so that "tol=1e-12$" matches with or without a suffix. Lines starting with # are
// comments. A rule that matches no reported figure is an error too, so that
// renaming a benchmark cannot silently retire its check. benchcheck copies
// its input to stdout and exits with status 1 on any violation or when the
// input holds a FAIL line.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

type rule struct {
	line   int
	re     *regexp.Regexp
	metric string
	max    float64
	hits   int
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcheck LIMITS_FILE < go-test-bench-output")
		os.Exit(2)
	}
	rules, err := readRules(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	bad, err := check(os.Stdin, os.Stdout, rules)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	for _, r := range rules {
		if r.hits == 0 {
			bad = append(bad, fmt.Sprintf("%s:%d: rule %q %s matched no benchmark", os.Args[1], r.line, r.re, r.metric))
		}
	}
	if len(bad) > 0 {
		fmt.Fprintln(os.Stderr, "benchcheck: deterministic figures out of bounds:")
		for _, b := range bad {
			fmt.Fprintln(os.Stderr, "  "+b)
		}
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchcheck: %d rules hold\n", len(rules))
}

func readRules(path string) ([]*rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rules []*rule
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			return nil, fmt.Errorf("%s:%d: want REGEXP METRIC MAX, got %q", path, n, line)
		}
		re, err := regexp.Compile(fs[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		mx, err := strconv.ParseFloat(fs[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		rules = append(rules, &rule{line: n, re: re, metric: fs[1], max: mx})
	}
	return rules, sc.Err()
}

var suffix = regexp.MustCompile(`-\d+$`)

// check scans benchmark output, echoing it, and returns the violations.
func check(in io.Reader, echo io.Writer, rules []*rule) ([]string, error) {
	var bad []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:") {
			bad = append(bad, "the benchmark run failed: "+line)
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 || !strings.HasPrefix(fs[0], "Benchmark") {
			continue
		}
		name, bare := fs[0], suffix.ReplaceAllString(fs[0], "")
		// fs[1] is the iteration count; then value/unit pairs.
		for i := 2; i+1 < len(fs); i += 2 {
			v, err := strconv.ParseFloat(fs[i], 64)
			if err != nil {
				break
			}
			unit := fs[i+1]
			for _, r := range rules {
				if r.metric != unit || !(r.re.MatchString(name) || r.re.MatchString(bare)) {
					continue
				}
				r.hits++
				if v > r.max {
					bad = append(bad, fmt.Sprintf("%s: %s = %g > %g (limits line %d)", bare, unit, v, r.max, r.line))
				}
			}
		}
	}
	return bad, sc.Err()
}
