package allocs_test

import (
	"runtime"
	"testing"

	"github.com/eoskit/eoskit/internal/allocs"
)

var sink []byte

// TestPerCall checks both sides of the count: an allocation in every call
// is seen (at GOMAXPROCS 1 and 2, which PerCall must leave alone), and a
// function that allocates nothing reads zero.
func TestPerCall(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		var seen int
		n := allocs.PerCall(10, func() {
			seen = runtime.GOMAXPROCS(0)
			sink = make([]byte, 64+seen)
		})
		if n < 1 {
			t.Errorf("GOMAXPROCS=%d: %v allocations per allocating call", procs, n)
		}
		if seen != procs {
			t.Errorf("f ran at GOMAXPROCS=%d, want %d", seen, procs)
		}
		x := 0
		if n := allocs.PerCall(10, func() { x++ }); n != 0 {
			t.Errorf("GOMAXPROCS=%d: %v allocations per call of a non-allocating function", procs, n)
		}
	}
}
