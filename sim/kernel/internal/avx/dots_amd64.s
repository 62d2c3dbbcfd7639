//go:build amd64

#include "textflag.h"

// func DotTile(k int, a0, a1, a2, b0, b1, b2, b3 *float64, acc *[48]float64)
//
// For i < 3, j < 4 and lanes q < 4 it continues the chains
// acc[(4i+j)*4+q] = fma(a_i[4t+q], b_j[4t+q], acc[(4i+j)*4+q]) over
// t < k/4 in order (k a multiple of 4). Registers: SI, DI, R8 the rows of
// A; R9-R12 the rows of B; DX the byte offset; CX the loop count; AX acc;
// Y4-Y15 the chains (pair (i, j) in Y(4+4i+j)), Y0-Y2 the A vectors, Y3
// the B vector.
TEXT ·DotTile(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a0+8(FP), SI
	MOVQ a1+16(FP), DI
	MOVQ a2+24(FP), R8
	MOVQ b0+32(FP), R9
	MOVQ b1+40(FP), R10
	MOVQ b2+48(FP), R11
	MOVQ b3+56(FP), R12
	MOVQ acc+64(FP), AX
	VMOVUPD 0(AX), Y4
	VMOVUPD 32(AX), Y5
	VMOVUPD 64(AX), Y6
	VMOVUPD 96(AX), Y7
	VMOVUPD 128(AX), Y8
	VMOVUPD 160(AX), Y9
	VMOVUPD 192(AX), Y10
	VMOVUPD 224(AX), Y11
	VMOVUPD 256(AX), Y12
	VMOVUPD 288(AX), Y13
	VMOVUPD 320(AX), Y14
	VMOVUPD 352(AX), Y15
	SHRQ $2, CX
	JZ   dot_store
	XORQ DX, DX

dot_loop:
	VMOVUPD (SI)(DX*1), Y0
	VMOVUPD (DI)(DX*1), Y1
	VMOVUPD (R8)(DX*1), Y2
	VMOVUPD (R9)(DX*1), Y3
	VFMADD231PD Y3, Y0, Y4
	VFMADD231PD Y3, Y1, Y8
	VFMADD231PD Y3, Y2, Y12
	VMOVUPD (R10)(DX*1), Y3
	VFMADD231PD Y3, Y0, Y5
	VFMADD231PD Y3, Y1, Y9
	VFMADD231PD Y3, Y2, Y13
	VMOVUPD (R11)(DX*1), Y3
	VFMADD231PD Y3, Y0, Y6
	VFMADD231PD Y3, Y1, Y10
	VFMADD231PD Y3, Y2, Y14
	VMOVUPD (R12)(DX*1), Y3
	VFMADD231PD Y3, Y0, Y7
	VFMADD231PD Y3, Y1, Y11
	VFMADD231PD Y3, Y2, Y15
	ADDQ $32, DX
	DECQ CX
	JNZ  dot_loop

dot_store:
	VMOVUPD Y4, 0(AX)
	VMOVUPD Y5, 32(AX)
	VMOVUPD Y6, 64(AX)
	VMOVUPD Y7, 96(AX)
	VMOVUPD Y8, 128(AX)
	VMOVUPD Y9, 160(AX)
	VMOVUPD Y10, 192(AX)
	VMOVUPD Y11, 224(AX)
	VMOVUPD Y12, 256(AX)
	VMOVUPD Y13, 288(AX)
	VMOVUPD Y14, 320(AX)
	VMOVUPD Y15, 352(AX)
	VZEROUPPER
	RET
