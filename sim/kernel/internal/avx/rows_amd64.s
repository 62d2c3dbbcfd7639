//go:build amd64

#include "textflag.h"

// Row kernels of the two-layer tanh network. Each processes n elements, n a
// multiple of 4, with the operations of its pure-Go counterpart in
// sim/kernel (rows.go), bit for bit. They use VEX encodings only: a legacy
// SSE instruction (such as MOVQ r64, xmm) after a 256-bit one costs about
// 400 cycles on the target machines.

// func TanhGradRow(out, ga, h, a *float64, n int, c float64)
//
// d = fma(−h, h, 1); ga = fma(c, h, ga); out = (c·a)·d. out may be h.
TEXT ·TanhGradRow(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ ga+8(FP), DX
	MOVQ h+16(FP), SI
	MOVQ a+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSD c+40(FP), Y15
	VBROADCASTSD onef64<>(SB), Y14
	SHRQ $2, CX
	JZ   grad_done

grad_loop:
	VMOVUPD      (SI), Y0
	VMOVAPD      Y14, Y1
	VFNMADD231PD Y0, Y0, Y1  // d = 1 − h²
	VMULPD       (R8), Y15, Y2 // c·a
	VMULPD       Y1, Y2, Y2  // g
	VMOVUPD      (DX), Y3
	VFMADD231PD  Y0, Y15, Y3 // ga + c·h
	VMOVUPD      Y2, (DI)
	VMOVUPD      Y3, (DX)
	ADDQ         $32, SI
	ADDQ         $32, DI
	ADDQ         $32, DX
	ADDQ         $32, R8
	DECQ         CX
	JNZ          grad_loop

grad_done:
	VZEROUPPER
	RET

// func TanhHVPDot(sd, h, zd, a, b *float64, n int, acc *[8]float64)
//
// sd = fma(−h, h, 1)·zd; v = fma(h, b, sd·a); acc[l] = acc[l] + v for
// i ≡ l (mod 8), in order of i (lanes 0-3 in Y6, 4-7 in Y7). sd may be zd.
TEXT ·TanhHVPDot(SB), NOSPLIT, $0-56
	MOVQ sd+0(FP), DI
	MOVQ h+8(FP), SI
	MOVQ zd+16(FP), DX
	MOVQ a+24(FP), R8
	MOVQ b+32(FP), R9
	MOVQ n+40(FP), CX
	MOVQ acc+48(FP), AX
	VMOVUPD (AX), Y6
	VMOVUPD 32(AX), Y7
	VBROADCASTSD onef64<>(SB), Y14
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   hdot_four

hdot_loop8:
	VMOVUPD      (SI), Y0
	VMOVUPD      32(SI), Y8
	VMOVAPD      Y14, Y1
	VMOVAPD      Y14, Y9
	VFNMADD231PD Y0, Y0, Y1   // d1
	VFNMADD231PD Y8, Y8, Y9
	VMULPD       (DX), Y1, Y1  // sd = d1·zd
	VMULPD       32(DX), Y9, Y9
	VMULPD       (R8), Y1, Y2  // sd·a
	VMULPD       32(R8), Y9, Y10
	VFMADD231PD  (R9), Y0, Y2  // v = h·b + sd·a
	VFMADD231PD  32(R9), Y8, Y10
	VADDPD       Y2, Y6, Y6
	VADDPD       Y10, Y7, Y7
	VMOVUPD      Y1, (DI)
	VMOVUPD      Y9, 32(DI)
	ADDQ         $64, SI
	ADDQ         $64, DI
	ADDQ         $64, DX
	ADDQ         $64, R8
	ADDQ         $64, R9
	DECQ         BX
	JNZ          hdot_loop8

hdot_four:
	TESTQ $4, CX
	JZ    hdot_done
	VMOVUPD      (SI), Y0
	VMOVAPD      Y14, Y1
	VFNMADD231PD Y0, Y0, Y1
	VMULPD       (DX), Y1, Y1
	VMULPD       (R8), Y1, Y2
	VFMADD231PD  (R9), Y0, Y2
	VADDPD       Y2, Y6, Y6
	VMOVUPD      Y1, (DI)

hdot_done:
	VMOVUPD Y6, (AX)
	VMOVUPD Y7, 32(AX)
	VZEROUPPER
	RET

// func TanhHVPRow(dd, ha, h, sd, a, b *float64, n int, cf, cr, m2cr float64)
//
// d1 = fma(−h, h, 1); ha = fma(cr, sd, fma(cf, h, ha));
// t = fma(cf, a, cr·b); u = (m2cr·a)·h; dd = fma(u, sd, t·d1). dd may be sd.
TEXT ·TanhHVPRow(SB), NOSPLIT, $0-80
	MOVQ dd+0(FP), DI
	MOVQ ha+8(FP), DX
	MOVQ h+16(FP), SI
	MOVQ sd+24(FP), R10
	MOVQ a+32(FP), R8
	MOVQ b+40(FP), R9
	MOVQ n+48(FP), CX
	VBROADCASTSD cf+56(FP), Y15
	VBROADCASTSD cr+64(FP), Y14
	VBROADCASTSD m2cr+72(FP), Y13
	VBROADCASTSD onef64<>(SB), Y12
	SHRQ $2, CX
	JZ   hrow_done

hrow_loop:
	VMOVUPD      (SI), Y0
	VMOVUPD      (R10), Y1
	VMOVAPD      Y12, Y2
	VFNMADD231PD Y0, Y0, Y2  // d1
	VMOVUPD      (DX), Y3
	VFMADD231PD  Y0, Y15, Y3 // ha + cf·h
	VFMADD231PD  Y1, Y14, Y3 // + cr·sd
	VMULPD       (R9), Y14, Y4 // cr·b
	VMOVUPD      (R8), Y5
	VFMADD231PD  Y5, Y15, Y4 // t = cf·a + cr·b
	VMULPD       Y2, Y4, Y4  // t·d1
	VMULPD       Y5, Y13, Y5 // m2cr·a
	VMULPD       Y0, Y5, Y5  // u = (m2cr·a)·h
	VFMADD231PD  Y1, Y5, Y4  // dd = u·sd + t·d1
	VMOVUPD      Y4, (DI)
	VMOVUPD      Y3, (DX)
	ADDQ         $32, SI
	ADDQ         $32, R10
	ADDQ         $32, DI
	ADDQ         $32, DX
	ADDQ         $32, R8
	ADDQ         $32, R9
	DECQ         CX
	JNZ          hrow_loop

hrow_done:
	VZEROUPPER
	RET

// 1.0, broadcast by the kernels.
DATA onef64<>+0(SB)/8, $0x3ff0000000000000
GLOBL onef64<>(SB), RODATA|NOPTR, $8
