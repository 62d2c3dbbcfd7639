// Package kinetic is the mean-field kinetic description of a wide two-layer
// network trained by gradient descent at the Edge of Stability: every
// neuron is a particle θ_i = (w_i, a_i) carrying a fluctuation δ_i, the
// pair (θ_i, δ_i) moves by the particle system of design notes §6.1, and
// the law ν of (θ, δ) is observed through the macroscopic free energy 𝓕[ν],
// moments, histograms and density images.
//
// # What is the paper's and what is eoskit's
//
// The paper (arXiv:2606.05326, full text unavailable) claims [P]: for wide
// two-layer networks "optimized under stable non-vanishing oscillations", a
// mean-field limit gives a kinetic equation for the joint law of
// (weights, fluctuations), which it reads as a Wasserstein-2 gradient flow
// of a macroscopic free energy. The equations here are eoskit's
// derivation [D] (design notes §6): model A (flow.ModelA) applied to
// Ẽ = m·E_m, written particle by particle,
//
//	f_±(x) = (1/m) Σ_j φ(θ_j ± δ_j; x),   φ(θ; x) = a σ(w·x),
//	θ̇_i = −½[∇_θΨ(θ_i+δ_i; f_+) + ∇_θΨ(θ_i−δ_i; f_−)]
//	δ̇_i = +½[∇_θΨ(θ_i+δ_i; f_+) − ∇_θΨ(θ_i−δ_i; f_−)] − (2/η̃) δ_i
//	𝓕[ν] = ½[R(f_+[ν]) + R(f_−[ν])] − (1/η̃) ∫|δ|² dν,
//
// Ψ(θ; f) = (1/n)Σ_s (f(x_s) − y_s)·φ(θ; x_s) and R the half mean squared
// error. Along it d𝓕/dt̃ = −∫|∇_θV|²dν + ∫|∇_δV|²dν exactly (V = δ𝓕/δν):
// descent in θ and ascent in δ of one functional, which is not a W2
// gradient flow of a single functional (design notes §6.4). Whether 𝓕
// nevertheless decreases is measured (ParticleSeries, Series.Verdict), not
// assumed. The closure of the "stable non-vanishing oscillations" regime
// is eoskit's assumption [A] (see Closure and Relax).
//
// # Time and step size
//
// Mean-field GD on E_m with step η (the spec's gd.eta) moves particle i by
// −(η/m)∇_θΨ(θ_i; f): each neuron sees the per-particle step η̃ = η/m,
// which is GD on Ẽ = m·E_m with step η̃ (threshold 2/η̃ on the sharpness of
// Ẽ, m times E_m's). A mean-field limit at fixed η̃ therefore needs η ∝ m.
// This package uses ONE convention, the particle time
//
//	t̃ = k·η̃ = k·η/m   (GD step k),
//
// in which the equations above hold as written, the velocities are O(1)
// whatever m, and the law ν_t̃ has a limit as m → ∞ at fixed η̃. In GD's own
// time t = kη (flow.ModelA's) every velocity is divided by m: the system at
// width m is model A of the same network with t = m·t̃, and for m a power
// of two the two integrate bit for bit alike (TestModelA). System.Grid is
// the GD grid in particle time; System.Time(k) = kη̃. Explicit Euler with
// step η̃ maps (θ̄ + δ, θ̄ − δ) to (GD(θ̄ − δ), GD(θ̄ + δ)), so on that grid it
// reproduces GD itself (TestEulerIsGD pins the convention that way).
//
// # Using it
//
// New(obj, eta) takes the network (a *model.TwoLayer, or a sim.Counted
// around one) and GD's step η; NewFromConfig builds the network first. The
// state is y = (θ, δ), both in the network's layout (that of
// flow.ModelA's (θ, a)); State and StateFromGD build it from θ₀ (and δ₀,
// SeedDelta for one along the top Hessian eigenvector) or from three GD
// iterates. System implements flow.Model (RHS, Observe), so flow.Sample
// integrates it on System.Grid; Moments, Snapshot, Outputs, FreeEnergy and
// EnergyRates observe the law; Snapshot.CSV, Hist2D.CSV and Series.CSV
// write it; DensityPlot and JointPlot draw it. Limit runs the width sweep
// behind `eoskit kinetic-limit`.
//
// A right-hand side costs two gradients of the network (θ + δ and θ − δ):
// two forward and two backward passes on sim/kernel's fast paths, with
// O(p) work besides and no loops over the data in Go.
package kinetic
