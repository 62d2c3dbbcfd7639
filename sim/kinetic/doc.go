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
// around one, whose counts then include the right-hand sides' gradients)
// and GD's step η (the spec's gd.eta); NewFromConfig builds the network
// first. The state is y = (θ, δ), both in the network's layout (that of
// flow.ModelA's (θ, a), so a GD state or model A's seeding serves as is);
// State and StateFromGD build it from θ₀ (and δ₀: SeedDelta puts one along
// the top Hessian eigenvector with a given root mean square over the
// particles) or from three GD iterates. System implements flow.Model (RHS,
// Observe; Observe's Point is model A's, with FreeEnergy = 𝓕), so
// flow.Sample integrates it on System.Grid, the GD grid in particle time:
// the sample for GD step k comes at t̃ = kη̃, and a fixed integrator step is
// a fraction of η̃, not of η. Moments (𝓕, the losses, the output swing,
// moments of |δ|, ‖w‖ and a; MomentsHeader and Moments.Row for CSV
// columns), Outputs (f_± on the data), FreeEnergy and EnergyRates observe
// the law; Snapshot holds it particle by particle (Snapshot.CSV), Hist2D its
// joint histograms (Hist2D.CSV); Plots, DensityPlot and JointPlot draw
// density images over time and histogram snapshots, SeriesPlot the free
// energy. ParticleSeries and Series.Verdict measure whether 𝓕 decreases;
// Closure, ClosureSeries and Relax are the reduced flows of the
// stable-oscillation regime; Limit runs the width sweep behind
// `eoskit kinetic-limit`.
//
// # Cost and integrators
//
// A right-hand side costs two gradients of the network (θ + δ and θ − δ):
// two forward and two backward passes on sim/kernel's fast paths, with
// O(p) work besides and no loops over the data in Go. GD costs one gradient
// per step, so the particle system costs at least twice GD per unit of
// time, and explicit integrators are limited by stability at the Edge of
// Stability: the δ-block has eigenvalues down to −2/η̃ − |λ_min| and the
// θ-block −λ₁ ≈ −2/η̃, so the step is a fraction of η̃ whatever the
// tolerance. Explicit Euler at its limit h = η̃ is GD itself (above), not an
// approximation of the flow. Measured on 500 MNIST images at m = 512
// (BenchmarkKinetic, TestMeasureIntegrators; README): over a window at the
// threshold RK4 with h = η̃ (8 gradients per GD step) is the cheapest method
// at a relative error of about 10⁻⁴ in 𝓕, DP5 at tolerance 10⁻⁶ (about 21
// gradients per step, its steps stability-limited) the cheapest below
// 10⁻⁵ and the only one that resolves δ itself; over windows where the
// sharpness leaves the threshold DP5 adapts and wins at every accuracy.
package kinetic
