//go:build amd64

package peak

import "golang.org/x/sys/cpu"

func vector() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// fmaAsm runs n iterations of acc[l] = fma(acc[l], Multiplier, Addend) on
// all lanes, as twelve independent 4-wide chains held in registers.
//
//go:noescape
func fmaAsm(n int, acc *[Lanes]float64)
