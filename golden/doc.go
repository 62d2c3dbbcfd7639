// Package golden holds eoskit's golden files, canonical runs of embedded
// experiments, and the tests that compare fresh runs with them.
//
// A golden file (testdata/<experiment>.json) records the build that wrote
// it (Go version, GOARCH, GOAMD64, kernel backend), the conventions (loss
// normalisation, t = kη), the first rows of the trace and summary
// statistics of the end of the run (the regime, the final 2-cycle, the
// sharpness at its centre). Comparisons use per-quantity relative
// tolerances, never bits: Edge-of-Stability trajectories amplify rounding,
// so early steps are compared tightly and late behaviour through the
// statistics of the attractor. The tolerances hold whether or not the
// compiler fuses multiply-adds (GOAMD64=v1 and v3 are both tested by
// `make test`).
//
// Rewrite the files after an intended behaviour change with
//
//	go test ./golden -update
//
// and explain the change in review: a diff of a golden file is a change of
// behaviour.
package golden
