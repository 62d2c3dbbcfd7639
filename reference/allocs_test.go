package reference_test

import (
	"runtime"
	"testing"

	"github.com/eoskit/eoskit/reference"
)

var allocSink []byte

// TestAllocsPerCall checks both sides of the count: an allocation in
// every call is seen (at GOMAXPROCS 1 and 2, which AllocsPerCall must leave
// alone), and a function that allocates nothing reads zero.
func TestAllocsPerCall(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		var seen int
		n := reference.AllocsPerCall(10, func() {
			seen = runtime.GOMAXPROCS(0)
			allocSink = make([]byte, 64+seen)
		})
		if n < 1 {
			t.Errorf("GOMAXPROCS=%d: %v allocations per allocating call", procs, n)
		}
		if seen != procs {
			t.Errorf("f ran at GOMAXPROCS=%d, want %d", seen, procs)
		}
		x := 0
		if n := reference.AllocsPerCall(10, func() { x++ }); n != 0 {
			t.Errorf("GOMAXPROCS=%d: %v allocations per call of a non-allocating function", procs, n)
		}
	}
}
