//go:build amd64

#include "textflag.h"

// The tanh kernels. Each block of four lanes runs the operations of
// sim/kernel.Tanh: y = 2a for a = min(|x|, 22), k = round(y/ln2) by the
// rounding magic, rh = y − k·ln2hi, r = rh − k·ln2lo, e^r − 1 = r + rh²·Q(rh)
// with Q in Estrin form, E = 2^k(e^r − 1) + 2^k − 1 and E/(E + 2) with the
// sign of x. The Estrin form keeps the dependency chain short. Two blocks
// per iteration (Y0-Y6 and Y8-Y14).

// TANH4 writes into Y0 the tanh of the four values at (SI), with R8 the
// constants (tanhk) and Y1-Y6 as scratch; TANH8 does the same for the eight
// values at (SI) into Y0 and Y8 (Y8-Y14 holding the second block's
// intermediates, interleaved with the first's so that both chains are in
// flight). The steps, in TANH4's order: a = |x|, a = min(22, a) (NaN kept),
// y = 2a, t = a·2log2(e) + magic, kd = t − magic, rh = y − kd·ln2hi,
// r = rh − kd·ln2lo, r2 = rh²; Q in Estrin form (a0 = q1·rh + q0 … a4,
// b0 = a1·r2 + a0, b1 = a3·r2 + a2, b2 = q10·r2 + a4, r4, c0 = b1·r4 + b0,
// r8, Q = b2·r8 + c0); p = r2·Q + r = e^r − 1; scale = 2^k from t's low
// bits; E = scale·p + (scale − 1); E/(E + 2); the sign of x ored in.
#define TANH4 \
	VMOVUPD (SI), Y0; \
	VANDPD 0(R8), Y0, Y0; \
	VMOVUPD 192(R8), Y1; \
	VMINPD Y0, Y1, Y0; \
	VADDPD Y0, Y0, Y1; \
	VMOVUPD 224(R8), Y2; \
	VFMADD231PD 64(R8), Y0, Y2; \
	VSUBPD 224(R8), Y2, Y3; \
	VFMADD231PD 96(R8), Y3, Y1; \
	VMOVAPD Y1, Y4; \
	VFMADD231PD 128(R8), Y3, Y4; \
	VMULPD Y1, Y1, Y5; \
	VMOVUPD 320(R8), Y0; \
	VFMADD213PD 288(R8), Y1, Y0; \
	VMOVUPD 384(R8), Y3; \
	VFMADD213PD 352(R8), Y1, Y3; \
	VFMADD231PD Y3, Y5, Y0; \
	VMOVUPD 448(R8), Y3; \
	VFMADD213PD 416(R8), Y1, Y3; \
	VMOVUPD 512(R8), Y6; \
	VFMADD213PD 480(R8), Y1, Y6; \
	VFMADD231PD Y6, Y5, Y3; \
	VMOVUPD 576(R8), Y6; \
	VFMADD213PD 544(R8), Y1, Y6; \
	VFMADD231PD 608(R8), Y5, Y6; \
	VMULPD Y5, Y5, Y1; \
	VFMADD231PD Y3, Y1, Y0; \
	VMULPD Y1, Y1, Y1; \
	VFMADD231PD Y6, Y1, Y0; \
	VFMADD213PD Y4, Y5, Y0; \
	VPSLLQ $52, Y2, Y2; \
	VPADDQ 256(R8), Y2, Y2; \
	VSUBPD 256(R8), Y2, Y3; \
	VFMADD213PD Y3, Y2, Y0; \
	VADDPD 160(R8), Y0, Y1; \
	VDIVPD Y1, Y0, Y0; \
	VMOVUPD (SI), Y1; \
	VANDPD 32(R8), Y1, Y1; \
	VORPD Y1, Y0, Y0

#define TANH8 \
	VMOVUPD 0(SI), Y0; \
	VMOVUPD 32(SI), Y8; \
	VANDPD 0(R8), Y0, Y0; \
	VANDPD 0(R8), Y8, Y8; \
	VMOVUPD 192(R8), Y1; \
	VMOVUPD 192(R8), Y9; \
	VMINPD Y0, Y1, Y0; \
	VMINPD Y8, Y9, Y8; \
	VADDPD Y0, Y0, Y1; \
	VADDPD Y8, Y8, Y9; \
	VMOVUPD 224(R8), Y2; \
	VMOVUPD 224(R8), Y10; \
	VFMADD231PD 64(R8), Y0, Y2; \
	VFMADD231PD 64(R8), Y8, Y10; \
	VSUBPD 224(R8), Y2, Y3; \
	VSUBPD 224(R8), Y10, Y11; \
	VFMADD231PD 96(R8), Y3, Y1; \
	VFMADD231PD 96(R8), Y11, Y9; \
	VMOVAPD Y1, Y4; \
	VMOVAPD Y9, Y12; \
	VFMADD231PD 128(R8), Y3, Y4; \
	VFMADD231PD 128(R8), Y11, Y12; \
	VMULPD Y1, Y1, Y5; \
	VMULPD Y9, Y9, Y13; \
	VMOVUPD 320(R8), Y0; \
	VMOVUPD 320(R8), Y8; \
	VFMADD213PD 288(R8), Y1, Y0; \
	VFMADD213PD 288(R8), Y9, Y8; \
	VMOVUPD 384(R8), Y3; \
	VMOVUPD 384(R8), Y11; \
	VFMADD213PD 352(R8), Y1, Y3; \
	VFMADD213PD 352(R8), Y9, Y11; \
	VFMADD231PD Y3, Y5, Y0; \
	VFMADD231PD Y11, Y13, Y8; \
	VMOVUPD 448(R8), Y3; \
	VMOVUPD 448(R8), Y11; \
	VFMADD213PD 416(R8), Y1, Y3; \
	VFMADD213PD 416(R8), Y9, Y11; \
	VMOVUPD 512(R8), Y6; \
	VMOVUPD 512(R8), Y14; \
	VFMADD213PD 480(R8), Y1, Y6; \
	VFMADD213PD 480(R8), Y9, Y14; \
	VFMADD231PD Y6, Y5, Y3; \
	VFMADD231PD Y14, Y13, Y11; \
	VMOVUPD 576(R8), Y6; \
	VMOVUPD 576(R8), Y14; \
	VFMADD213PD 544(R8), Y1, Y6; \
	VFMADD213PD 544(R8), Y9, Y14; \
	VFMADD231PD 608(R8), Y5, Y6; \
	VFMADD231PD 608(R8), Y13, Y14; \
	VMULPD Y5, Y5, Y1; \
	VMULPD Y13, Y13, Y9; \
	VFMADD231PD Y3, Y1, Y0; \
	VFMADD231PD Y11, Y9, Y8; \
	VMULPD Y1, Y1, Y1; \
	VMULPD Y9, Y9, Y9; \
	VFMADD231PD Y6, Y1, Y0; \
	VFMADD231PD Y14, Y9, Y8; \
	VFMADD213PD Y4, Y5, Y0; \
	VFMADD213PD Y12, Y13, Y8; \
	VPSLLQ $52, Y2, Y2; \
	VPSLLQ $52, Y10, Y10; \
	VPADDQ 256(R8), Y2, Y2; \
	VPADDQ 256(R8), Y10, Y10; \
	VSUBPD 256(R8), Y2, Y3; \
	VSUBPD 256(R8), Y10, Y11; \
	VFMADD213PD Y3, Y2, Y0; \
	VFMADD213PD Y11, Y10, Y8; \
	VADDPD 160(R8), Y0, Y1; \
	VADDPD 160(R8), Y8, Y9; \
	VDIVPD Y1, Y0, Y0; \
	VDIVPD Y9, Y8, Y8; \
	VMOVUPD 0(SI), Y1; \
	VMOVUPD 32(SI), Y9; \
	VANDPD 32(R8), Y1, Y1; \
	VANDPD 32(R8), Y9, Y9; \
	VORPD Y1, Y0, Y0; \
	VORPD Y9, Y8, Y8

// func Tanh(dst, src *float64, n int)
//
// dst[i] = tanh(src[i]) for i < n, n a multiple of 4.
TEXT ·Tanh(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ tanhk<>(SB), R8
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   t_four

t_loop8:
	TANH8
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y8, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ BX
	JNZ  t_loop8

t_four:
	TESTQ $4, CX
	JZ    t_done
	TANH4
	VMOVUPD Y0, (DI)

t_done:
	VZEROUPPER
	RET

// func TanhDot(dst, src, a *float64, n int, acc *[8]float64)
//
// dst[i] = tanh(src[i]) for i < n (a multiple of 4) and
// acc[l] = fma(dst[i], a[i], acc[l]) for i ≡ l (mod 8), in order of i; the
// lane sums live in Y7 (lanes 0-3) and Y15 (lanes 4-7).
TEXT ·TanhDot(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ acc+32(FP), AX
	VMOVUPD (AX), Y7
	VMOVUPD 32(AX), Y15
	LEAQ tanhk<>(SB), R8
	MOVQ CX, BX
	SHRQ $3, BX
	JZ   d_four

d_loop8:
	TANH8
	VFMADD231PD 0(DX), Y0, Y7	// acc[0:4] += h·a
	VFMADD231PD 32(DX), Y8, Y15
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y8, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	DECQ BX
	JNZ  d_loop8

d_four:
	TESTQ $4, CX
	JZ    d_done
	TANH4
	VFMADD231PD (DX), Y0, Y7
	VMOVUPD Y0, (DI)

d_done:
	VMOVUPD Y7, (AX)
	VMOVUPD Y15, 32(AX)
	VZEROUPPER
	RET

// Four copies of each constant: the abs and sign masks, 2·log2(e), −ln2 in
// two parts, 2, the clamp 22, the rounding magic 1.5·2^52, 1 (also the
// exponent bias 1023<<52 as an integer), then Q0 … Q10 of sim/kernel.
DATA tanhk<>+0(SB)/8, $0x7fffffffffffffff
DATA tanhk<>+8(SB)/8, $0x7fffffffffffffff
DATA tanhk<>+16(SB)/8, $0x7fffffffffffffff
DATA tanhk<>+24(SB)/8, $0x7fffffffffffffff
DATA tanhk<>+32(SB)/8, $0x8000000000000000
DATA tanhk<>+40(SB)/8, $0x8000000000000000
DATA tanhk<>+48(SB)/8, $0x8000000000000000
DATA tanhk<>+56(SB)/8, $0x8000000000000000
DATA tanhk<>+64(SB)/8, $0x40071547652b82fe
DATA tanhk<>+72(SB)/8, $0x40071547652b82fe
DATA tanhk<>+80(SB)/8, $0x40071547652b82fe
DATA tanhk<>+88(SB)/8, $0x40071547652b82fe
DATA tanhk<>+96(SB)/8, $0xbfe62e42fefa39ef
DATA tanhk<>+104(SB)/8, $0xbfe62e42fefa39ef
DATA tanhk<>+112(SB)/8, $0xbfe62e42fefa39ef
DATA tanhk<>+120(SB)/8, $0xbfe62e42fefa39ef
DATA tanhk<>+128(SB)/8, $0xbc7abc9e3b39803f
DATA tanhk<>+136(SB)/8, $0xbc7abc9e3b39803f
DATA tanhk<>+144(SB)/8, $0xbc7abc9e3b39803f
DATA tanhk<>+152(SB)/8, $0xbc7abc9e3b39803f
DATA tanhk<>+160(SB)/8, $0x4000000000000000
DATA tanhk<>+168(SB)/8, $0x4000000000000000
DATA tanhk<>+176(SB)/8, $0x4000000000000000
DATA tanhk<>+184(SB)/8, $0x4000000000000000
DATA tanhk<>+192(SB)/8, $0x4036000000000000
DATA tanhk<>+200(SB)/8, $0x4036000000000000
DATA tanhk<>+208(SB)/8, $0x4036000000000000
DATA tanhk<>+216(SB)/8, $0x4036000000000000
DATA tanhk<>+224(SB)/8, $0x4338000000000000
DATA tanhk<>+232(SB)/8, $0x4338000000000000
DATA tanhk<>+240(SB)/8, $0x4338000000000000
DATA tanhk<>+248(SB)/8, $0x4338000000000000
DATA tanhk<>+256(SB)/8, $0x3ff0000000000000
DATA tanhk<>+264(SB)/8, $0x3ff0000000000000
DATA tanhk<>+272(SB)/8, $0x3ff0000000000000
DATA tanhk<>+280(SB)/8, $0x3ff0000000000000
DATA tanhk<>+288(SB)/8, $0x3fe0000000000000
DATA tanhk<>+296(SB)/8, $0x3fe0000000000000
DATA tanhk<>+304(SB)/8, $0x3fe0000000000000
DATA tanhk<>+312(SB)/8, $0x3fe0000000000000
DATA tanhk<>+320(SB)/8, $0x3fc5555555555557
DATA tanhk<>+328(SB)/8, $0x3fc5555555555557
DATA tanhk<>+336(SB)/8, $0x3fc5555555555557
DATA tanhk<>+344(SB)/8, $0x3fc5555555555557
DATA tanhk<>+352(SB)/8, $0x3fa5555555555556
DATA tanhk<>+360(SB)/8, $0x3fa5555555555556
DATA tanhk<>+368(SB)/8, $0x3fa5555555555556
DATA tanhk<>+376(SB)/8, $0x3fa5555555555556
DATA tanhk<>+384(SB)/8, $0x3f811111111100df
DATA tanhk<>+392(SB)/8, $0x3f811111111100df
DATA tanhk<>+400(SB)/8, $0x3f811111111100df
DATA tanhk<>+408(SB)/8, $0x3f811111111100df
DATA tanhk<>+416(SB)/8, $0x3f56c16c16c162d6
DATA tanhk<>+424(SB)/8, $0x3f56c16c16c162d6
DATA tanhk<>+432(SB)/8, $0x3f56c16c16c162d6
DATA tanhk<>+440(SB)/8, $0x3f56c16c16c162d6
DATA tanhk<>+448(SB)/8, $0x3f2a01a01abe62dd
DATA tanhk<>+456(SB)/8, $0x3f2a01a01abe62dd
DATA tanhk<>+464(SB)/8, $0x3f2a01a01abe62dd
DATA tanhk<>+472(SB)/8, $0x3f2a01a01abe62dd
DATA tanhk<>+480(SB)/8, $0x3efa01a01a6d7808
DATA tanhk<>+488(SB)/8, $0x3efa01a01a6d7808
DATA tanhk<>+496(SB)/8, $0x3efa01a01a6d7808
DATA tanhk<>+504(SB)/8, $0x3efa01a01a6d7808
DATA tanhk<>+512(SB)/8, $0x3ec71de02375656c
DATA tanhk<>+520(SB)/8, $0x3ec71de02375656c
DATA tanhk<>+528(SB)/8, $0x3ec71de02375656c
DATA tanhk<>+536(SB)/8, $0x3ec71de02375656c
DATA tanhk<>+544(SB)/8, $0x3e927e4db67b4303
DATA tanhk<>+552(SB)/8, $0x3e927e4db67b4303
DATA tanhk<>+560(SB)/8, $0x3e927e4db67b4303
DATA tanhk<>+568(SB)/8, $0x3e927e4db67b4303
DATA tanhk<>+576(SB)/8, $0x3e5af4ddd848831b
DATA tanhk<>+584(SB)/8, $0x3e5af4ddd848831b
DATA tanhk<>+592(SB)/8, $0x3e5af4ddd848831b
DATA tanhk<>+600(SB)/8, $0x3e5af4ddd848831b
DATA tanhk<>+608(SB)/8, $0x3e21f72fc730b510
DATA tanhk<>+616(SB)/8, $0x3e21f72fc730b510
DATA tanhk<>+624(SB)/8, $0x3e21f72fc730b510
DATA tanhk<>+632(SB)/8, $0x3e21f72fc730b510
GLOBL tanhk<>(SB), RODATA|NOPTR, $640
