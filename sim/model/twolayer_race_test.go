//go:build race

package model_test

// raceEnabled reports a build with the race detector, whose
// instrumentation allocates inside synchronisation primitives: the
// zero-allocation checks are skipped there.
const raceEnabled = true
