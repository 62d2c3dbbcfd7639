// Package allocs measures heap allocations per call for the tests of
// eoskit's allocation-free paths, at the goroutine count the test set.
//
// testing.AllocsPerRun runs its function with GOMAXPROCS set to 1, so a
// test that loops over GOMAXPROCS 1 and 2 around it measures the serial
// path twice and never the parallel one. PerCall counts the allocations
// of every goroutine while f runs at the caller's GOMAXPROCS, which is
// what a test of a parallel kernel means to check.
package allocs
