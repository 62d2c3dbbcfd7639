// Package reference holds what eoskit's engines are checked against: closed
// forms of the analytic small cases (GD and gradient flow on quadratics, the
// quartic 2-cycle, catapult recursions, Hessians of tiny networks written out
// by hand, ...) and conformance suites in the style of gonum's
// lapack/testlapack, which every implementation of an interface runs.
//
// Each oracle names the item of the design notes (math.md §7, O1–O25) it
// encodes, and the tag saying where the statement comes from: [L] the
// published literature, [D] derived in the notes and checked in float64,
// [P] the paper's abstract.
//
// Test helpers shared by the suites and the packages' own tests:
// GOMAXPROCSIndependent (bit-identical results with 1 and 2 threads) and
// AllocsPerCall (allocations per call at the caller's GOMAXPROCS).
//
// The package may import sim/...; nothing under sim imports it.
package reference
