//go:build !unix

package benchmarks

import "math"

// cpuSeconds is not available here: NaN.
func cpuSeconds() float64 { return math.NaN() }
