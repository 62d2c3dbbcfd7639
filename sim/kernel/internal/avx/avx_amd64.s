//go:build amd64

#include "textflag.h"

// AVX2+FMA3 GEMM and GEMV kernels. Each runs the operation sequence of its
// pure-Go counterpart (gemmKernelGo, gemvRowGo, gemvColsGo) with every
// multiply-add fused. The tanh kernels are in tanh_amd64.s, the strided
// GEMM tiles in tiles_amd64.s, the two-layer row passes in rows_amd64.s.

// GEMVN_REDUCE stores at OFF(DX) the dot product of a row held in the lane
// sums Y_lo (s0..s3) and Y_hi (s4..s7) and the tail chain X_t:
// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail, the reduction of GemvN4 and
// GemvN2x2 (GemvN1 spells the same instructions out, storing to its result).
// X_lo and X_hi are the low halves of Y_lo and Y_hi (Y_hi is scratch).
#define GEMVN_REDUCE(Y_lo, Y_hi, X_lo, X_hi, X_t, OFF) \
	VADDPD       Y_hi, Y_lo, Y_lo; \
	VEXTRACTF128 $1, Y_lo, X_hi; \
	VADDPD       X_hi, X_lo, X_lo; \
	VHADDPD      X_lo, X_lo, X_lo; \
	VADDSD       X_t, X_lo, X_lo; \
	VMOVSD       X_lo, OFF(DX)

// func GemmKernel(kc int, a, b, c *float64, ldc int, alpha, beta float64)
//
// C[0:6, 0:8] = alpha·acc + beta·C (C not read when beta == 0), where
// acc = Σ_l a[l*6+i]·b[l*8+j] as one FMA chain per element. Accumulators:
// row i in Y(4+2i) (columns 0-3) and Y(5+2i) (columns 4-7).
TEXT ·GemmKernel(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8

	// Warm the six rows of the C tile while the products run.
	MOVQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $1, BX
	JZ   gemm_tail

gemm_loop2:
	VMOVUPD      (DI), Y0
	VMOVUPD      32(DI), Y1
	VBROADCASTSD (SI), Y2
	VFMADD231PD  Y0, Y2, Y4
	VFMADD231PD  Y1, Y2, Y5
	VBROADCASTSD 8(SI), Y3
	VFMADD231PD  Y0, Y3, Y6
	VFMADD231PD  Y1, Y3, Y7
	VBROADCASTSD 16(SI), Y2
	VFMADD231PD  Y0, Y2, Y8
	VFMADD231PD  Y1, Y2, Y9
	VBROADCASTSD 24(SI), Y3
	VFMADD231PD  Y0, Y3, Y10
	VFMADD231PD  Y1, Y3, Y11
	VBROADCASTSD 32(SI), Y2
	VFMADD231PD  Y0, Y2, Y12
	VFMADD231PD  Y1, Y2, Y13
	VBROADCASTSD 40(SI), Y3
	VFMADD231PD  Y0, Y3, Y14
	VFMADD231PD  Y1, Y3, Y15

	VMOVUPD      64(DI), Y0
	VMOVUPD      96(DI), Y1
	VBROADCASTSD 48(SI), Y2
	VFMADD231PD  Y0, Y2, Y4
	VFMADD231PD  Y1, Y2, Y5
	VBROADCASTSD 56(SI), Y3
	VFMADD231PD  Y0, Y3, Y6
	VFMADD231PD  Y1, Y3, Y7
	VBROADCASTSD 64(SI), Y2
	VFMADD231PD  Y0, Y2, Y8
	VFMADD231PD  Y1, Y2, Y9
	VBROADCASTSD 72(SI), Y3
	VFMADD231PD  Y0, Y3, Y10
	VFMADD231PD  Y1, Y3, Y11
	VBROADCASTSD 80(SI), Y2
	VFMADD231PD  Y0, Y2, Y12
	VFMADD231PD  Y1, Y2, Y13
	VBROADCASTSD 88(SI), Y3
	VFMADD231PD  Y0, Y3, Y14
	VFMADD231PD  Y1, Y3, Y15

	ADDQ $96, SI
	ADDQ $128, DI
	DECQ BX
	JNZ  gemm_loop2

gemm_tail:
	ANDQ $1, CX
	JZ   gemm_store
	VMOVUPD      (DI), Y0
	VMOVUPD      32(DI), Y1
	VBROADCASTSD (SI), Y2
	VFMADD231PD  Y0, Y2, Y4
	VFMADD231PD  Y1, Y2, Y5
	VBROADCASTSD 8(SI), Y3
	VFMADD231PD  Y0, Y3, Y6
	VFMADD231PD  Y1, Y3, Y7
	VBROADCASTSD 16(SI), Y2
	VFMADD231PD  Y0, Y2, Y8
	VFMADD231PD  Y1, Y2, Y9
	VBROADCASTSD 24(SI), Y3
	VFMADD231PD  Y0, Y3, Y10
	VFMADD231PD  Y1, Y3, Y11
	VBROADCASTSD 32(SI), Y2
	VFMADD231PD  Y0, Y2, Y12
	VFMADD231PD  Y1, Y2, Y13
	VBROADCASTSD 40(SI), Y3
	VFMADD231PD  Y0, Y3, Y14
	VFMADD231PD  Y1, Y3, Y15

gemm_store:
	// acc = alpha·acc (rounded), as gemmKernelGo's epilogue.
	VBROADCASTSD alpha+40(FP), Y0
	VMULPD       Y0, Y4, Y4
	VMULPD       Y0, Y5, Y5
	VMULPD       Y0, Y6, Y6
	VMULPD       Y0, Y7, Y7
	VMULPD       Y0, Y8, Y8
	VMULPD       Y0, Y9, Y9
	VMULPD       Y0, Y10, Y10
	VMULPD       Y0, Y11, Y11
	VMULPD       Y0, Y12, Y12
	VMULPD       Y0, Y13, Y13
	VMULPD       Y0, Y14, Y14
	VMULPD       Y0, Y15, Y15

	VMOVSD  beta+48(FP), X1
	VXORPD  X2, X2, X2
	VUCOMISD X2, X1
	JNE     gemm_beta
	JP      gemm_beta

	// beta == 0: C is not read.
	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y6, (DX)
	VMOVUPD Y7, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y8, (DX)
	VMOVUPD Y9, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y10, (DX)
	VMOVUPD Y11, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y12, (DX)
	VMOVUPD Y13, 32(DX)
	ADDQ    R8, DX
	VMOVUPD Y14, (DX)
	VMOVUPD Y15, 32(DX)
	VZEROUPPER
	RET

gemm_beta:
	// C = fma(beta, C, alpha·acc).
	VBROADCASTSD beta+48(FP), Y1
	VFMADD231PD  (DX), Y1, Y4
	VFMADD231PD  32(DX), Y1, Y5
	VMOVUPD      Y4, (DX)
	VMOVUPD      Y5, 32(DX)
	ADDQ         R8, DX
	VFMADD231PD  (DX), Y1, Y6
	VFMADD231PD  32(DX), Y1, Y7
	VMOVUPD      Y6, (DX)
	VMOVUPD      Y7, 32(DX)
	ADDQ         R8, DX
	VFMADD231PD  (DX), Y1, Y8
	VFMADD231PD  32(DX), Y1, Y9
	VMOVUPD      Y8, (DX)
	VMOVUPD      Y9, 32(DX)
	ADDQ         R8, DX
	VFMADD231PD  (DX), Y1, Y10
	VFMADD231PD  32(DX), Y1, Y11
	VMOVUPD      Y10, (DX)
	VMOVUPD      Y11, 32(DX)
	ADDQ         R8, DX
	VFMADD231PD  (DX), Y1, Y12
	VFMADD231PD  32(DX), Y1, Y13
	VMOVUPD      Y12, (DX)
	VMOVUPD      Y13, 32(DX)
	ADDQ         R8, DX
	VFMADD231PD  (DX), Y1, Y14
	VFMADD231PD  32(DX), Y1, Y15
	VMOVUPD      Y14, (DX)
	VMOVUPD      Y15, 32(DX)
	VZEROUPPER
	RET

// func GemvN4(n int, a *float64, lda int, x *float64, out *[4]float64)
//
// Row r's lane sums s0..s3 are in Y(2r), s4..s7 in Y(2r+1); its tail chain
// in X(10+r).
TEXT ·GemvN4(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	LEAQ (SI)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ x+24(FP), DI
	MOVQ out+32(FP), DX

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13

	XORQ AX, AX
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   gemvn_tail

gemvn_loop:
	VMOVUPD     (DI)(AX*1), Y8
	VMOVUPD     32(DI)(AX*1), Y9
	VFMADD231PD (SI)(AX*1), Y8, Y0
	VFMADD231PD 32(SI)(AX*1), Y9, Y1
	VFMADD231PD (R9)(AX*1), Y8, Y2
	VFMADD231PD 32(R9)(AX*1), Y9, Y3
	VFMADD231PD (R10)(AX*1), Y8, Y4
	VFMADD231PD 32(R10)(AX*1), Y9, Y5
	VFMADD231PD (R11)(AX*1), Y8, Y6
	VFMADD231PD 32(R11)(AX*1), Y9, Y7
	ADDQ        $64, AX
	DECQ        BX
	JNZ         gemvn_loop

gemvn_tail:
	ANDQ $7, CX
	JZ   gemvn_reduce

gemvn_tailloop:
	VMOVSD      (DI)(AX*1), X8
	VFMADD231SD (SI)(AX*1), X8, X10
	VFMADD231SD (R9)(AX*1), X8, X11
	VFMADD231SD (R10)(AX*1), X8, X12
	VFMADD231SD (R11)(AX*1), X8, X13
	ADDQ        $8, AX
	DECQ        CX
	JNZ         gemvn_tailloop

gemvn_reduce:
	// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail, per row.
	GEMVN_REDUCE(Y0, Y1, X0, X1, X10, 0)

	GEMVN_REDUCE(Y2, Y3, X2, X3, X11, 8)

	GEMVN_REDUCE(Y4, Y5, X4, X5, X12, 16)

	GEMVN_REDUCE(Y6, Y7, X6, X7, X13, 24)
	VZEROUPPER
	RET

// func GemvN2x2(n int, a *float64, lda int, x, y *float64, out *[4]float64)
//
// out = (a0·x, a1·x, a0·y, a1·y) for the rows a0 = a and a1 = a + lda, each
// with exactly GemvN4's operations on a row: lane sums in Y0/Y1 (a0·x),
// Y2/Y3 (a1·x), Y4/Y5 (a0·y), Y6/Y7 (a1·y), tail chains in X12-X15, and
// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail. One pass over the two rows
// serves both vectors.
TEXT ·GemvN2x2(SB), NOSPLIT, $0-48
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	LEAQ (SI)(R8*1), R9
	MOVQ x+24(FP), DI
	MOVQ y+32(FP), R10
	MOVQ out+40(FP), DX

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	XORQ AX, AX
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   gemvn22_tail

gemvn22_loop:
	VMOVUPD     (DI)(AX*1), Y8
	VMOVUPD     32(DI)(AX*1), Y9
	VMOVUPD     (R10)(AX*1), Y10
	VMOVUPD     32(R10)(AX*1), Y11
	VFMADD231PD (SI)(AX*1), Y8, Y0
	VFMADD231PD 32(SI)(AX*1), Y9, Y1
	VFMADD231PD (R9)(AX*1), Y8, Y2
	VFMADD231PD 32(R9)(AX*1), Y9, Y3
	VFMADD231PD (SI)(AX*1), Y10, Y4
	VFMADD231PD 32(SI)(AX*1), Y11, Y5
	VFMADD231PD (R9)(AX*1), Y10, Y6
	VFMADD231PD 32(R9)(AX*1), Y11, Y7
	ADDQ        $64, AX
	DECQ        BX
	JNZ         gemvn22_loop

gemvn22_tail:
	ANDQ $7, CX
	JZ   gemvn22_reduce

gemvn22_tailloop:
	VMOVSD      (DI)(AX*1), X8
	VMOVSD      (R10)(AX*1), X10
	VFMADD231SD (SI)(AX*1), X8, X12
	VFMADD231SD (R9)(AX*1), X8, X13
	VFMADD231SD (SI)(AX*1), X10, X14
	VFMADD231SD (R9)(AX*1), X10, X15
	ADDQ        $8, AX
	DECQ        CX
	JNZ         gemvn22_tailloop

gemvn22_reduce:
	GEMVN_REDUCE(Y0, Y1, X0, X1, X12, 0)

	GEMVN_REDUCE(Y2, Y3, X2, X3, X13, 8)

	GEMVN_REDUCE(Y4, Y5, X4, X5, X14, 16)

	GEMVN_REDUCE(Y6, Y7, X6, X7, X15, 24)
	VZEROUPPER
	RET

// func GemvT32(m int, a *float64, lda int, x *float64, acc *[32]float64)
TEXT ·GemvT32(SB), NOSPLIT, $0-40
	MOVQ m+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	MOVQ x+24(FP), DI
	MOVQ acc+32(FP), DX

	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VMOVUPD 64(DX), Y2
	VMOVUPD 96(DX), Y3
	VMOVUPD 128(DX), Y4
	VMOVUPD 160(DX), Y5
	VMOVUPD 192(DX), Y6
	VMOVUPD 224(DX), Y7

gemvt_loop:
	VBROADCASTSD (DI), Y8
	VFMADD231PD  (SI), Y8, Y0
	VFMADD231PD  32(SI), Y8, Y1
	VFMADD231PD  64(SI), Y8, Y2
	VFMADD231PD  96(SI), Y8, Y3
	VFMADD231PD  128(SI), Y8, Y4
	VFMADD231PD  160(SI), Y8, Y5
	VFMADD231PD  192(SI), Y8, Y6
	VFMADD231PD  224(SI), Y8, Y7
	ADDQ         $8, DI
	ADDQ         R8, SI
	DECQ         CX
	JNZ          gemvt_loop

	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	VMOVUPD Y2, 64(DX)
	VMOVUPD Y3, 96(DX)
	VMOVUPD Y4, 128(DX)
	VMOVUPD Y5, 160(DX)
	VMOVUPD Y6, 192(DX)
	VMOVUPD Y7, 224(DX)
	VZEROUPPER
	RET

// func GemvN1(n int, a *float64, x *float64) float64
//
// The dot product of one row with x, with exactly the operations GemvN4
// applies to each of its rows: lane sums s0..s3 in Y0 and s4..s7 in Y1
// over the first n&^7 elements, a tail chain in X2, then
// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail.
TEXT ·GemvN1(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ x+16(FP), DI

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD X2, X2, X2

	XORQ AX, AX
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   gemvn1_tail

gemvn1_loop:
	VMOVUPD     (DI)(AX*1), Y8
	VMOVUPD     32(DI)(AX*1), Y9
	VFMADD231PD (SI)(AX*1), Y8, Y0
	VFMADD231PD 32(SI)(AX*1), Y9, Y1
	ADDQ        $64, AX
	DECQ        BX
	JNZ         gemvn1_loop

gemvn1_tail:
	ANDQ $7, CX
	JZ   gemvn1_reduce

gemvn1_tailloop:
	VMOVSD      (DI)(AX*1), X8
	VFMADD231SD (SI)(AX*1), X8, X2
	ADDQ        $8, AX
	DECQ        CX
	JNZ         gemvn1_tailloop

gemvn1_reduce:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VADDSD       X2, X0, X0
	VMOVSD       X0, ret+24(FP)
	VZEROUPPER
	RET
