// Package avx holds the AVX2+FMA3 assembly kernels of sim/kernel's asm
// variant and of its vectorised activation passes. They live in their own
// package because a package that uses cgo (sim/kernel under the openblas
// build tag) cannot contain Go assembly.
//
// Each kernel runs the operation sequence of its pure-Go counterpart in
// sim/kernel: the GEMM and GEMV kernels (GemmKernel, Tiles, GemvN4,
// GemvT32) that of gemmKernelGo, tileGo, gemvRowGo and gemvColsGo with every
// multiply-add fused; DotTile the lane chains of gemmDots (sim/kernel
// spells them with math.FMA in its tests); Tanh, TanhDot and the row passes (TanhGradRow,
// TanhHVPDot, TanhHVPRow) that of kernel.Tanh and rows.go bit for bit (the
// Go forms spell their fused multiply-adds with math.FMA). Callers must
// check Supported first; outside amd64 the functions panic.
//
// The kernels use VEX encodings only: a legacy SSE instruction (such as
// MOVQ from a general register into an X register) after a 256-bit
// instruction stalls for hundreds of cycles on the target machines.
package avx
