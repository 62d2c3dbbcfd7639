// Package model holds the models of eoskit: smooth losses E: R^p → R with
// exact gradients, Hessian-vector products and contracted third derivatives
// (sim.Objective and sim.ThirdOrder).
//
// The models are the analytic small cases of the Edge-of-Stability literature
// and the networks the theory is tested on (design notes, math.md §2):
//
//	Quadratic   E = ½(θ−c)ᵀA(θ−c)                          [L]
//	Quartic     E = ¼(x²−1)²                                [L]
//	MatFact     E = ½‖W_L⋯W_1 − M‖²_F                       [P] d, L, η; [A] M, init
//	UV          E = ½(vᵀu/√m − y)²                          [L] Lewkowycz et al. 2020
//	DeepScalar  E = ½(∏ w_i − y)²                           [L] Kreisler et al. 2023
//	Minimalist  E = ¼(x²y² − 1)²                            [L] Zhu et al. 2023
//	Valley      E = ½(y + ζx)x² − ε(x + y)                  [L] Berthier
//	TwoLayer    E = (1/2n)Σ_s‖s·Σ_i a_i σ(w_i·x_s) − y_s‖²  [P]/[D] mean-field or NTK scaling
//
// Tags: [P] the paper's abstract, [L] the published literature, [D] derived in
// the design notes, [A] an assumption of the suite.
//
// Every model is built by a plain constructor (NewQuadratic, NewQuartic,
// NewMatFact, NewUV, NewDeepScalar, NewMinimalist, NewValley, NewTwoLayer)
// that returns a *ParamError naming the offending parameter when the
// parameters are invalid. Each model documents its parameter layout: θ is one
// flat []float64.
//
// The derivative methods write into caller-owned slices and do not allocate
// in steady state. A slice of the wrong length is a programmer error and
// panics with a message that starts with "model:". Models keep scratch
// buffers, so one value is not safe for concurrent use; every model
// implements sim.Cloner for parallel work (clones share only immutable data).
//
// Third derivatives are exact: ∇³E(θ)[u,v] = ∇_θ(uᵀ∇²E(θ)v) is computed by
// differentiating the gradient twice in forward mode (for MatFact and
// TwoLayer) or from closed forms (the scalar toys).
package model
