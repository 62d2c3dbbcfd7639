// Package avx holds the AVX2+FMA3 assembly kernels of sim/kernel's asm
// variant. They live in their own package because a package that uses cgo
// (sim/kernel under the openblas build tag) cannot contain Go assembly.
//
// Each kernel reproduces, bit for bit, the operation sequence of its pure-Go
// counterpart in sim/kernel (gemmKernelGo, gemvRowGo, gemvColsGo, Tanh).
// Callers must check Supported first; outside amd64 the functions panic.
package avx
