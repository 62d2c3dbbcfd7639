//go:build unix

package benchmarks

import "syscall"

// cpuSeconds returns the CPU time (user + system) the process has used, in
// seconds. On the shared machines, where other work competes for the cores,
// it measures a single-threaded benchmark's work far more steadily than the
// wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + 1e-6*float64(t.Usec) }
	return sec(ru.Utime) + sec(ru.Stime)
}
