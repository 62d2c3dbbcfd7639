// Package properties holds eoskit's gopter property-based tests over the
// engines in sim/...: each property states an invariant (finite differences
// agree with Hessian-vector products, Lanczos never exceeds λ_max, permuting
// neurons changes nothing, GD on a quadratic equals its closed form, ...),
// never a hard-coded output.
//
// Every property runs with a fixed default seed (reference.DefaultGopterSeed)
// so that `go test` is deterministic. Override it with the environment
// variable GOPTER_SEED or the flag -gopter.seed:
//
//	go test ./properties -gopter.seed=42
//
// A failing property logs the seed that reproduces it. Under -short each
// property runs fewer random cases.
package properties
