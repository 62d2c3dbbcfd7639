//go:build race

package reference

// objRaceEnabled reports a build with the race detector, whose
// instrumentation allocates inside synchronisation primitives: the
// zero-allocation checks are skipped there.
const objRaceEnabled = true
