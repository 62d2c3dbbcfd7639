//go:build amd64

#include "textflag.h"

// TRANSPOSE4 transposes the 4×4 block held as rows in r0..r3 (in place,
// through Y8-Y11): afterwards r_j holds column j.
#define TRANSPOSE4(r0, r1, r2, r3) \
	VUNPCKLPD  r1, r0, Y8;        \
	VUNPCKHPD  r1, r0, Y9;        \
	VUNPCKLPD  r3, r2, Y10;       \
	VUNPCKHPD  r3, r2, Y11;       \
	VPERM2F128 $0x20, Y10, Y8, r0; \
	VPERM2F128 $0x20, Y11, Y9, r1; \
	VPERM2F128 $0x31, Y10, Y8, r2; \
	VPERM2F128 $0x31, Y11, Y9, r3

// Transposing copies for the GEMM driver's packing (pure data movement: the
// packed values are the source values, bit for bit).

// func PackT8(k int, src *float64, ld int, dst *float64)
//
// dst[l*8+j] = src[j*ld+l] for j < 8 and l < k&^3, four values of each of
// the eight rows at a time, transposed in registers as two 4×4 blocks.
TEXT ·PackT8(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8
	MOVQ dst+24(FP), DI
	SHRQ $2, CX
	JZ   packt8_end
	LEAQ (R8)(R8*2), R10
	LEAQ (SI)(R8*4), R9

packt8_loop:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(R8*1), Y1
	VMOVUPD (SI)(R8*2), Y2
	VMOVUPD (SI)(R10*1), Y3
	VMOVUPD (R9), Y4
	VMOVUPD (R9)(R8*1), Y5
	VMOVUPD (R9)(R8*2), Y6
	VMOVUPD (R9)(R10*1), Y7

	TRANSPOSE4(Y0, Y1, Y2, Y3)

	TRANSPOSE4(Y4, Y5, Y6, Y7)

	VMOVUPD Y0, (DI)
	VMOVUPD Y4, 32(DI)
	VMOVUPD Y1, 64(DI)
	VMOVUPD Y5, 96(DI)
	VMOVUPD Y2, 128(DI)
	VMOVUPD Y6, 160(DI)
	VMOVUPD Y3, 192(DI)
	VMOVUPD Y7, 224(DI)

	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $256, DI
	DECQ CX
	JNZ  packt8_loop

packt8_end:
	VZEROUPPER
	RET

// func PackT6(k int, src *float64, ld int, dst *float64)
//
// dst[l*6+i] = src[i*ld+l] for i < 6 and l < k&^3: rows 0-3 as a 4×4
// transpose, rows 4-5 as 2×2 blocks.
TEXT ·PackT6(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8
	MOVQ dst+24(FP), DI
	SHRQ $2, CX
	JZ   packt6_end
	LEAQ (R8)(R8*2), R10
	LEAQ (SI)(R8*4), R9

packt6_loop:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(R8*1), Y1
	VMOVUPD (SI)(R8*2), Y2
	VMOVUPD (SI)(R10*1), Y3
	VMOVUPD (R9), Y4
	VMOVUPD (R9)(R8*1), Y5

	TRANSPOSE4(Y0, Y1, Y2, Y3)
	VUNPCKLPD  Y5, Y4, Y12
	VUNPCKHPD  Y5, Y4, Y13

	VMOVUPD      Y0, (DI)
	VMOVUPD      X12, 32(DI)
	VMOVUPD      Y1, 48(DI)
	VMOVUPD      X13, 80(DI)
	VMOVUPD      Y2, 96(DI)
	VEXTRACTF128 $1, Y12, 128(DI)
	VMOVUPD      Y3, 144(DI)
	VEXTRACTF128 $1, Y13, 176(DI)

	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $192, DI
	DECQ CX
	JNZ  packt6_loop

packt6_end:
	VZEROUPPER
	RET
