package reference

import "runtime"

// AllocsPerCall calls f once to warm it up, then runs times more, and
// returns the number of heap allocations made meanwhile (by any goroutine)
// divided by runs and rounded down, as testing.AllocsPerRun does, but at
// the caller's GOMAXPROCS: AllocsPerRun sets GOMAXPROCS to 1 while it
// measures, so a test that loops over GOMAXPROCS 1 and 2 around it measures
// the serial path twice and never the parallel one.
//
// Rounding down lets the runtime's own occasional allocations pass
// (refills of its caches, such as the sudogs behind a WaitGroup when
// goroutines migrate between Ps: with two threads, bursts of up to ten in
// 2000 calls of a parallel Hessian-vector product were measured), as long
// as runs exceeds such a burst, while any per-call allocation counts. The
// caller must not run other goroutines that allocate meanwhile.
func AllocsPerCall(runs int, f func()) float64 {
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64((after.Mallocs - before.Mallocs) / uint64(runs))
}
