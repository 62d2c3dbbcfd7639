package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/eoskit/eoskit/sim/compare"
	"github.com/eoskit/eoskit/sim/gd"
)

// TraceCSV returns trace.csv: a header row, then one row per recorded step
// with the columns
//
//	step, t, loss, grad_norm
//
// and, when the spectrum is measured, sharpness (λ₁ at θ_k),
// sharpness_residual, hvps, lambda_2 … lambda_k (top_k > 1) and, when
// measure.sharpness_center is on, sharpness_center (λ₁ at the period-2
// average θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4). With measure.period2 the
// period-2 observations follow (gd.Period2): loss_avg (L̄_k), center_loss
// (E(θ̄_k)), amplitude (|a_k|), free_energy (model A's F at GD's state),
// loss_avg3 (the centred ¼(E_{k−1} + 2E_k + E_{k+1})),
// loss_even and loss_odd (the loss at the even and the odd step of k, k+1:
// the envelopes), loss_sym (½[E(θ̄_k+a_k) + E(θ̄_k−a_k)]), free_energy2
// (the second-order F(θ̄_k, a_k a_kᵀ)) and amplitude_top (u·a_k, u the top
// eigenvector at θ̄_k, where that was measured). Cells of quantities not
// measured or not defined at a step are empty. Numbers are written in the
// shortest form that reads back to the same float64.
func (r *Result) TraceCSV() []byte {
	m := r.Exp.Spec.Measure
	cols := baseColumns(m, m.SharpnessEvery > 0 && *m.SharpnessCenter)
	if *m.Period2 {
		cols = append(cols, period2Columns()...)
	}
	return writeCSV(r.Trace, cols)
}

// FlowCSV returns flow_<name>.csv for the flow with that name (nil when
// there is none): its samples at t = kη with the columns
//
//	step, t, loss, center_loss, loss_plus, loss_minus, amplitude, free_energy, grad_norm
//
// (loss is the flow's prediction of GD's time-averaged loss, and the next
// five are flow.Point's fields: empty for gradient flow) and, when the
// spectrum is measured, the spectrum columns of trace.csv at θ (the centre
// of the models' oscillation).
//
// The kinetic flow adds t_particle (t̃ = kη/m, the particle system's own
// time; t is GD's kη) and delta_rms ((∫|δ|²dν)^{1/2}); its free_energy is
// the macroscopic 𝓕[ν]. The central flow writes, after grad_norm (‖∇E(θ)‖), its own sharpness,
// trace_sigma (tr Σ), active_dim and grad_norm_sq_pred
// (‖∇E‖² + 4 tr Σ/η²); its loss is E + tr Σ/η and its amplitude √tr Σ. The
// self-stabilisation system writes step, t, sharpness (2/η + y), y,
// variance (s), loss_excess (s/η, the predicted rise of the time-averaged
// loss) and invariant (V).
func (r *Result) FlowCSV(name string) []byte {
	for _, f := range r.Flows {
		if f.Spec.Name == name && f.SelfStab != nil {
			two := 2 / r.Exp.Spec.GD.Eta
			eta := r.Exp.Spec.GD.Eta
			return writeCSV(f.SelfStab.Samples, []column[SelfStabSample]{
				{"step", func(x SelfStabSample) string { return strconv.Itoa(x.Step) }},
				{"t", func(x SelfStabSample) string { return ftoa(x.T) }},
				{"sharpness", func(x SelfStabSample) string { return ftoa(two + x.Y) }},
				{"y", func(x SelfStabSample) string { return ftoa(x.Y) }},
				{"variance", func(x SelfStabSample) string { return ftoa(x.S2) }},
				{"loss_excess", func(x SelfStabSample) string { return ftoa(x.S2 / eta) }},
				{"invariant", func(x SelfStabSample) string { return ftoa(x.V) }},
			})
		}
		if f.Spec.Name == name {
			m := r.Exp.Spec.Measure
			cols := []column[FlowRow]{
				{"step", func(x FlowRow) string { return strconv.Itoa(x.Step) }},
				{"t", func(x FlowRow) string { return ftoa(x.T) }},
				{"loss", func(x FlowRow) string { return cell(x.Point.Loss) }},
				{"center_loss", func(x FlowRow) string { return cell(x.Point.CenterLoss) }},
				{"loss_plus", func(x FlowRow) string { return cell(x.Point.LossPlus) }},
				{"loss_minus", func(x FlowRow) string { return cell(x.Point.LossMinus) }},
				{"amplitude", func(x FlowRow) string { return cell(x.Point.Amplitude) }},
				{"free_energy", func(x FlowRow) string { return cell(x.Point.FreeEnergy) }},
				{"grad_norm", func(x FlowRow) string { return ftoa(x.GradNorm) }},
			}
			if f.Spec.Kind == FlowCentral {
				cols = append(cols,
					column[FlowRow]{"sharpness", func(x FlowRow) string { return cell(x.Sharpness()) }},
					column[FlowRow]{"trace_sigma", func(x FlowRow) string { return ftoa(x.Central.TraceSigma) }},
					column[FlowRow]{"active_dim", func(x FlowRow) string { return strconv.Itoa(x.Central.ActiveDim) }},
					column[FlowRow]{"grad_norm_sq_pred", func(x FlowRow) string { return ftoa(x.Central.GradNormSqPred) }},
				)
				return writeCSV(f.Trace, cols)
			}
			for _, c := range spectrumColumns(m) {
				cols = append(cols, column[FlowRow]{c.name, func(x FlowRow) string { return c.value(x.Row) }})
			}
			if f.Spec.Kind == FlowKinetic {
				cols = append(cols,
					column[FlowRow]{"t_particle", func(x FlowRow) string { return ftoa(x.Kinetic.TParticle) }},
					column[FlowRow]{"delta_rms", func(x FlowRow) string { return ftoa(x.Kinetic.DeltaRMS) }},
				)
			}
			return writeCSV(f.Trace, cols)
		}
	}
	return nil
}

// column is a CSV column: its header and the cell of a row.
type column[R any] struct {
	name  string
	value func(R) string
}

// writeCSV writes the header and one line per row.
func writeCSV[R any](rows []R, cols []column[R]) []byte {
	var b bytes.Buffer
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.name)
	}
	b.WriteByte('\n')
	for _, row := range rows {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c.value(row))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// cell formats x, or an empty cell for NaN.
func cell(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return ftoa(x)
}

// baseColumns are trace.csv's columns without the period-2 observations.
func baseColumns(m MeasureSpec, center bool) []column[gd.Row] {
	cols := []column[gd.Row]{
		{"step", func(x gd.Row) string { return strconv.Itoa(x.Step) }},
		{"t", func(x gd.Row) string { return ftoa(x.T) }},
		{"loss", func(x gd.Row) string { return ftoa(x.Loss) }},
		{"grad_norm", func(x gd.Row) string { return ftoa(x.GradNorm) }},
	}
	cols = append(cols, spectrumColumns(m)...)
	if center {
		cols = append(cols, column[gd.Row]{"sharpness_center", func(x gd.Row) string { return cell(x.CenterSharpness()) }})
	}
	return cols
}

// spectrumColumns are the columns of the spectrum measured at θ_k (none
// when the spectrum is not measured).
func spectrumColumns(m MeasureSpec) []column[gd.Row] {
	if m.SharpnessEvery <= 0 {
		return nil
	}
	cols := []column[gd.Row]{
		{"sharpness", func(x gd.Row) string { return cell(x.Sharpness()) }},
		{"sharpness_residual", func(x gd.Row) string {
			if x.Eigen.Values == nil {
				return ""
			}
			return ftoa(x.Eigen.Residual)
		}},
		{"hvps", func(x gd.Row) string {
			if x.Eigen.Values == nil {
				return ""
			}
			return strconv.Itoa(x.Eigen.HVPs)
		}},
	}
	for j := 1; j < m.TopK; j++ {
		cols = append(cols, column[gd.Row]{fmt.Sprintf("lambda_%d", j+1), func(x gd.Row) string {
			if j < len(x.Eigen.Values) {
				return ftoa(x.Eigen.Values[j])
			}
			return ""
		}})
	}
	return cols
}

// period2Columns are trace.csv's period-2 columns (gd.Period2).
func period2Columns() []column[gd.Row] {
	return []column[gd.Row]{
		{"loss_avg", func(x gd.Row) string { return cell(x.P2.LossAvg) }},
		{"center_loss", func(x gd.Row) string { return cell(x.P2.CenterLoss) }},
		{"amplitude", func(x gd.Row) string { return cell(x.P2.Amplitude) }},
		{"free_energy", func(x gd.Row) string { return cell(x.P2.FreeEnergy) }},
		{"loss_avg3", func(x gd.Row) string { return cell(x.P2.LossAvg3) }},
		{"loss_even", func(x gd.Row) string { e, _ := x.Envelopes(); return cell(e) }},
		{"loss_odd", func(x gd.Row) string { _, o := x.Envelopes(); return cell(o) }},
		{"loss_sym", func(x gd.Row) string { return cell(x.P2.SymLoss) }},
		{"free_energy2", func(x gd.Row) string { return cell(x.P2.FreeEnergy2) }},
		{"amplitude_top", func(x gd.Row) string { return cell(x.P2.AmplitudeTop) }},
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Summary is summary.json.
type Summary struct {
	Name   string  `json:"name"`
	Model  string  `json:"model"`
	Params int     `json:"params"`
	Eta    float64 `json:"eta"`
	// TwoOverEta is the stability threshold 2/η.
	TwoOverEta     float64 `json:"two_over_eta"`
	StepsRequested int     `json:"steps_requested"`
	// Steps is the number of GD updates performed.
	Steps     int  `json:"steps"`
	Diverged  bool `json:"diverged"`
	Cancelled bool `json:"cancelled"`
	// Regime is converged, 2-cycle, diverged or unsettled.
	Regime string `json:"regime"`
	// SettleTol, Step1 and Step2 are the tolerance and the repetition
	// residuals the regime was decided on (see gd.Analysis).
	SettleTol float64  `json:"settle_tol"`
	Step1     *float64 `json:"settle_step1"`
	Step2     *float64 `json:"settle_step2"`

	FinalLoss     float64   `json:"final_loss"`
	FinalGradNorm float64   `json:"final_grad_norm"`
	FinalTheta    []float64 `json:"final_theta"`
	// FinalSharpness is λ_max(∇²E) at the final iterate (null when it could
	// not be measured), with the relative residual bounding its error.
	FinalSharpness         *float64 `json:"final_sharpness"`
	FinalSharpnessResidual *float64 `json:"final_sharpness_residual"`
	// AboveTwoOverEta lists the eigenvalues of ∇²E above 2/η at the final
	// iterate, when its sharpness is above 2/η (absent otherwise): more
	// than one means that GD is unstable in several directions at once,
	// which the one-dimensional Edge-of-Stability picture does not
	// describe.
	AboveTwoOverEta *AboveSummary `json:"above_two_over_eta,omitempty"`
	// SpectrumMethod is how the spectrum was measured (dense, lanczos or
	// tracker: measure.method "auto" resolved for this model).
	SpectrumMethod string `json:"spectrum_method"`
	// MaxSharpness is the largest sharpness recorded in the trace: at the
	// measured steps only (every sharpness_every steps and the last; with an
	// even period and an even number of steps on a 2-cycle, all on one of
	// its two phases).
	MaxSharpness *float64 `json:"max_sharpness"`
	// Cycle describes the final 2-cycle (only for that regime).
	Cycle *CycleSummary `json:"cycle,omitempty"`

	// Period2 summarises GD's period-2 observations (with
	// measure.period2).
	Period2 *Period2Summary `json:"period2,omitempty"`
	// Flows summarise the continuous-time models integrated beside GD, by
	// name.
	Flows map[string]*FlowSummary `json:"flows,omitempty"`
	// FlowRanking orders the flows compared with GD by the median relative
	// error of their time-averaged loss on their common window, best first
	// (with at least two such flows).
	FlowRanking *Ranking `json:"flow_ranking,omitempty"`

	Evaluations Evaluations `json:"evaluations"`
	Build       BuildInfo   `json:"build"`
	// WallSeconds is the run's duration, GDWallSeconds GD's part of it
	// (informative only).
	WallSeconds   float64 `json:"wall_seconds"`
	GDWallSeconds float64 `json:"gd_wall_seconds"`
	// Notes are what went wrong without stopping the run (Result.Notes).
	Notes []string `json:"notes,omitempty"`
}

// AboveSummary counts the eigenvalues above 2/η at a point (see Result.Above).
type AboveSummary struct {
	// Count eigenvalues exceed 2/η; when AtLeast is set the search stopped
	// at that many (all of them above) and there may be more.
	Count   int  `json:"count"`
	AtLeast bool `json:"at_least"`
	// Values are those eigenvalues, decreasing, and Residual the largest
	// relative residual of the measurement (see gd.Eigen).
	Values   []float64 `json:"values"`
	Residual float64   `json:"residual"`
}

// CycleSummary describes a GD 2-cycle θ̄ ± a.
type CycleSummary struct {
	// Losses are the two losses the cycle alternates between, ascending.
	Losses [2]float64 `json:"losses"`
	// MeanLoss is the time-averaged loss ½(E(θ̄+a) + E(θ̄−a)).
	MeanLoss float64 `json:"mean_loss"`
	// CenterLoss is E(θ̄) and AmplitudeSq is |a|².
	CenterLoss  float64 `json:"center_loss"`
	AmplitudeSq float64 `json:"amplitude_sq"`
	// CenterSharpness is λ_max(∇²E(θ̄)), which hovers at 2/η at the Edge of
	// Stability.
	CenterSharpness *float64  `json:"center_sharpness"`
	Center          []float64 `json:"center"`
}

// FlowSummary describes a flow integrated beside GD.
type FlowSummary struct {
	Kind   string  `json:"kind"`
	Method string  `json:"method"`
	RTol   float64 `json:"rtol,omitempty"`
	ATol   float64 `json:"atol,omitempty"`
	Step   float64 `json:"step,omitempty"`
	// StartStep is the step k₀ the flow started from (0: from θ₀).
	StartStep int `json:"start_step"`
	// Rank and Form are model B's.
	Rank int    `json:"rank,omitempty"`
	Form string `json:"form,omitempty"`
	// FinalT is the time of the last sample (the run's Nη unless the
	// integration stopped early, see Error).
	FinalT float64 `json:"final_t"`
	// FinalLoss is the flow's last prediction of the time-averaged loss.
	FinalLoss      float64  `json:"final_loss"`
	FinalSharpness *float64 `json:"final_sharpness"`
	// FinalCenter (and FinalTheta, the same) is θ at the last sample,
	// FinalAmplitude the rest of the state (model A: a; model B: the
	// columns q_1, …, q_r of Q one after the other; gradient and central
	// flow: none).
	FinalCenter    []float64 `json:"final_center"`
	FinalTheta     []float64 `json:"final_theta"`
	FinalAmplitude []float64 `json:"final_amplitude"`
	// CycleLosses are E(θ−a) and E(θ+a) at the last sample, ascending: the
	// 2-cycle a model predicts when it has settled (gradient flow: E(θ)
	// twice; null for model B of rank > 1).
	CycleLosses *[2]float64 `json:"cycle_losses"`
	// FinalFreeEnergy is the model's F at the last sample (null for
	// gradient flow).
	FinalFreeEnergy *float64 `json:"final_free_energy"`
	// Compare lays the flow over GD's period-2 observers (with
	// measure.period2).
	Compare *compare.Report `json:"compare,omitempty"`
	// Evaluations are the objective evaluations of the right-hand sides
	// (the samples' observations are not counted): gradients,
	// Hessian-vector products and third-derivative products; RHS is the
	// number of right-hand sides, Steps and Rejected the integrator's
	// accepted and rejected steps.
	Evaluations FlowEvaluations `json:"evaluations"`
	// Error says why the integration stopped before the end of the run
	// (or could not start).
	Error string `json:"error,omitempty"`
	// WallSeconds is the flow's duration (informative only).
	WallSeconds float64 `json:"wall_seconds"`
	// FinalTraceSigma and Central describe the central flow.
	FinalTraceSigma *float64        `json:"final_trace_sigma,omitempty"`
	Central         *CentralSummary `json:"central,omitempty"`
	// SelfStabilization describes the self-stabilisation system against
	// GD's first loop.
	SelfStabilization *SelfStabSummary `json:"self_stabilization,omitempty"`
}

// CentralSummary is the central flow's scheme and what it did.
type CentralSummary struct {
	MaxDim     int     `json:"max_dim"`
	Substeps   int     `json:"substeps"`
	RefreshTol float64 `json:"refresh_tol"`
	EigenTol   float64 `json:"eigen_tol"`
	// Refreshes counts the eigen and third-derivative evaluations,
	// MaxActive the largest number of directions held at 2/η, Saturated
	// the refreshes where all max_dim eigenpairs were candidates (a
	// further unstable direction would have been missed).
	Refreshes int `json:"refreshes"`
	MaxActive int `json:"max_active"`
	Saturated int `json:"saturated"`
	// SDCPNotConverged counts complementarity solves that missed their
	// tolerance, MaxSDCPResidual is the largest relative residual.
	SDCPNotConverged int     `json:"sdcp_not_converged"`
	MaxSDCPResidual  float64 `json:"max_sdcp_residual"`
}

// SelfStabSummary compares the self-stabilisation system's loop with GD's
// first one (times in t = kη units).
type SelfStabSummary struct {
	// OnsetStep is where α, β were measured (at GD's centre θ̄_k).
	OnsetStep int     `json:"onset_step"`
	Alpha     float64 `json:"alpha"`
	Beta      float64 `json:"beta"`
	Y0        float64 `json:"y0"`
	S0        float64 `json:"s0"`
	// Predicted: the loop's period, sharpness overshoot above 2/η, time
	// above 2/η, peak oscillation variance and loss spike (s_peak/η).
	Predicted struct {
		Period            float64 `json:"period"`
		Overshoot         float64 `json:"overshoot"`
		OvershootDuration float64 `json:"overshoot_duration"`
		PeakVariance      float64 `json:"peak_variance"`
		LossSpike         float64 `json:"loss_spike"`
		Drift             float64 `json:"invariant_drift"`
	} `json:"predicted"`
	// GD is GD's first loop as read from the trace (resolution: the
	// sharpness measurement interval), nil when GD showed none.
	GD *GDLoopSummary `json:"gd"`
}

// GDLoopSummary is GD's first self-stabilisation loop (flow.GDLoop): the
// first measured step above 2/η, the step of the largest sharpness, the
// first step back at or below 2/η, the next step above it (−1: none); the
// overshoot, the time above 2/η, the time to the next loop, the loss spike.
type GDLoopSummary struct {
	Start     int     `json:"start"`
	Peak      int     `json:"peak"`
	End       int     `json:"end"`
	Next      int     `json:"next"`
	Overshoot float64 `json:"overshoot"`
	Duration  float64 `json:"overshoot_duration"`
	Period    float64 `json:"period"`
	LossSpike float64 `json:"loss_spike"`
}

// FlowEvaluations counts a flow's work.
type FlowEvaluations struct {
	RHS       int `json:"rhs"`
	Gradients int `json:"gradients"`
	HessVec   int `json:"hessvec"`
	Third     int `json:"third"`
	Steps     int `json:"steps"`
	Rejected  int `json:"rejected"`
}

// Period2Summary describes GD's period-2 observations.
type Period2Summary struct {
	// OnsetStep is the first step whose centre sharpness reached 0.99·2/η
	// (null when none did, or the sharpness was not measured).
	OnsetStep *int `json:"onset_step"`
	// Spikes are GD's loss spikes (compare.DetectSpikes).
	Spikes []compare.Spike `json:"spikes"`
}

// Evaluations counts the objective's evaluations over the whole run.
type Evaluations struct {
	Loss    int `json:"loss"`
	Grad    int `json:"grad"`
	HessVec int `json:"hessvec"`
}

// BuildInfo records the build that produced a result: which eoskit (the
// module's version, and the VCS revision it was built from), with which Go,
// for which machine.
type BuildInfo struct {
	// Module is the main module's path and Version its version: a release
	// tag or pseudo-version when installed with go install, "(devel)" when
	// built from a checkout (the revision then says which).
	Module  string `json:"module,omitempty"`
	Version string `json:"version,omitempty"`
	// Revision, Time and Modified come from the VCS stamp of a build from
	// a git checkout (go build's -buildvcs, on by default): the commit, its
	// time, and whether the checkout had uncommitted changes. Empty when
	// the build has no stamp (go run, go test, -buildvcs=false).
	Revision string `json:"vcs_revision,omitempty"`
	Time     string `json:"vcs_time,omitempty"`
	Modified *bool  `json:"vcs_modified,omitempty"`
	Go       string `json:"go"`
	GOOS     string `json:"goos"`
	GOARCH   string `json:"goarch"`
	GOAMD64  string `json:"goamd64,omitempty"`
}

// CurrentBuild returns the running binary's build description (eoskit's
// version and VCS revision, Go version, OS, architecture and GOAMD64
// level), from runtime/debug.ReadBuildInfo.
func CurrentBuild() BuildInfo {
	b := BuildInfo{Go: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module, b.Version = bi.Main.Path, bi.Main.Version
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			b.Revision = kv.Value
		case "vcs.time":
			b.Time = kv.Value
		case "vcs.modified":
			m := kv.Value == "true"
			b.Modified = &m
		case "GOAMD64":
			if runtime.GOARCH == "amd64" {
				b.GOAMD64 = kv.Value
			}
		}
	}
	return b
}

// summary describes the flow for summary.json.
func (f *FlowResult) summary() *FlowSummary {
	sp := f.Spec
	fs := &FlowSummary{
		Kind: sp.Kind, Method: sp.Method, RTol: sp.RTol, ATol: sp.ATol, Step: sp.Step, StartStep: sp.StartStep,
		Rank: sp.Rank, Form: sp.Form, Compare: f.Compare,
		Evaluations: FlowEvaluations{RHS: f.Stats.Evals, Gradients: f.Counts.Grad, HessVec: f.Counts.HessVec,
			Third: f.Thirds, Steps: f.Stats.Steps, Rejected: f.Stats.Rejected},
		WallSeconds: f.Wall.Seconds(),
	}
	if f.Err != nil {
		fs.Error = f.Err.Error()
	}
	if cs := f.CentralSettings; cs != nil {
		fs.Central = &CentralSummary{MaxDim: cs.MaxDim, Substeps: cs.Substeps, RefreshTol: cs.RefreshTol, EigenTol: cs.EigenTol}
		if st := f.CentralStats; st != nil {
			fs.Central.Refreshes, fs.Central.MaxActive, fs.Central.Saturated = st.Refreshes, st.MaxActive, st.Saturated
			fs.Central.SDCPNotConverged, fs.Central.MaxSDCPResidual = st.SDCPNotConverged, st.MaxSDCPResidual
		}
	}
	if ss := f.SelfStab; ss != nil {
		fs.SelfStabilization = ss.summary()
		fs.StartStep = ss.Step
	}
	if len(f.Trace) == 0 {
		return fs
	}
	last := f.Trace[len(f.Trace)-1]
	p := len(f.FinalTheta)
	fs.FinalT, fs.FinalLoss, fs.FinalSharpness = last.T, last.Loss, nullable(last.Sharpness())
	fs.FinalCenter, fs.FinalTheta = f.FinalTheta, f.FinalTheta
	if len(f.FinalState) > p {
		fs.FinalAmplitude = f.FinalState[p:]
	}
	pt := last.Point
	switch {
	case sp.Kind == FlowGradient:
		fs.CycleLosses = &[2]float64{pt.Loss, pt.Loss}
	case !math.IsNaN(pt.LossPlus):
		fs.CycleLosses = &[2]float64{math.Min(pt.LossPlus, pt.LossMinus), math.Max(pt.LossPlus, pt.LossMinus)}
	}
	fs.FinalFreeEnergy = nullable(pt.FreeEnergy)
	if last.Central != nil {
		fs.FinalTraceSigma = nullable(last.Central.TraceSigma)
	}
	return fs
}

// String describes the build in one line, as eoskit version prints it:
// "eoskit (devel) 62b0486f… (2026-11-27T16:12:00Z, modified), go1.26.8 linux/amd64 GOAMD64=v1".
func (b BuildInfo) String() string {
	var s strings.Builder
	s.WriteString("eoskit")
	if b.Version != "" {
		s.WriteString(" " + b.Version)
	}
	if b.Revision != "" {
		s.WriteString(" " + b.Revision)
		var extra []string
		if b.Time != "" {
			extra = append(extra, b.Time)
		}
		if b.Modified != nil && *b.Modified {
			extra = append(extra, "with uncommitted changes")
		}
		if len(extra) > 0 {
			s.WriteString(" (" + strings.Join(extra, ", ") + ")")
		}
	} else {
		s.WriteString(" (no VCS revision recorded)")
	}
	fmt.Fprintf(&s, ", %s %s/%s", b.Go, b.GOOS, b.GOARCH)
	if b.GOAMD64 != "" {
		s.WriteString(" GOAMD64=" + b.GOAMD64)
	}
	return s.String()
}

// summary describes the self-stabilisation result for summary.json.
func (ss *SelfStabResult) summary() *SelfStabSummary {
	out := &SelfStabSummary{OnsetStep: ss.Step, Alpha: ss.Onset.Alpha, Beta: ss.Onset.Beta, Y0: ss.Y0, S0: ss.S0}
	l := ss.Loop
	out.Predicted.Period, out.Predicted.Overshoot, out.Predicted.OvershootDuration = l.Period, l.Overshoot, l.OvershootDuration
	out.Predicted.PeakVariance, out.Predicted.LossSpike, out.Predicted.Drift = l.PeakS, l.LossSpike, l.Drift
	if g := ss.GD; g.Found {
		out.GD = &GDLoopSummary{g.Start, g.Peak, g.End, g.Next, g.Overshoot, g.Duration, g.Period, g.LossSpike}
	}
	return out
}

// Summary assembles summary.json's content.
func (r *Result) Summary() Summary {
	s := r.Exp.Spec
	a := r.Analysis
	sum := Summary{
		Name:           s.Name,
		Model:          r.Exp.Model,
		Params:         r.Exp.Objective.Dim(),
		Eta:            s.GD.Eta,
		TwoOverEta:     2 / s.GD.Eta,
		StepsRequested: s.GD.Steps,
		Steps:          r.GD.Steps,
		Diverged:       r.GD.Diverged,
		Cancelled:      r.Cancelled(),
		Regime:         string(a.Regime),
		SettleTol:      a.Tol,
		Step1:          nullable(a.Step1),
		Step2:          nullable(a.Step2),
		FinalLoss:      r.GD.Final.Loss,
		FinalGradNorm:  r.GD.Final.GradNorm,
		FinalTheta:     r.GD.Final.Theta,
		Evaluations:    Evaluations{Loss: r.Counts.Loss, Grad: r.Counts.Grad, HessVec: r.Counts.HessVec},
		Build:          CurrentBuild(),
		SpectrumMethod: r.SpectrumMethod,
		WallSeconds:    r.Wall.Seconds(),
		GDWallSeconds:  r.GDWall.Seconds(),
		Notes:          r.Notes,
	}
	if r.FinalEigen != nil {
		sum.FinalSharpness = nullable(r.FinalEigen.Values[0])
		sum.FinalSharpnessResidual = nullable(r.FinalEigen.Residual)
	}
	sum.AboveTwoOverEta = r.Above
	maxS := math.NaN()
	for _, row := range r.Trace {
		if v := row.Sharpness(); !math.IsNaN(v) && !(v <= maxS) {
			maxS = v
		}
	}
	sum.MaxSharpness = nullable(maxS)
	if *s.Measure.Period2 {
		sum.Period2 = &Period2Summary{OnsetStep: r.Onset, Spikes: r.Spikes}
		if sum.Period2.Spikes == nil {
			sum.Period2.Spikes = []compare.Spike{}
		}
	}
	for _, f := range r.Flows {
		if sum.Flows == nil {
			sum.Flows = map[string]*FlowSummary{}
		}
		sum.Flows[f.Spec.Name] = f.summary()
	}
	sum.FlowRanking = r.ranking()
	if a.Regime == "2-cycle" {
		c := &CycleSummary{Losses: a.Losses, MeanLoss: a.MeanLoss, CenterLoss: a.CenterLoss, AmplitudeSq: a.AmplitudeSq, Center: a.Center}
		if r.CenterEigen != nil {
			c.CenterSharpness = nullable(r.CenterEigen.Values[0])
		}
		sum.Cycle = c
	}
	return sum
}

// SummaryJSON returns summary.json. A value that JSON cannot represent (an
// infinite |a|² or mean loss of a cycle at astronomically large θ, say) is
// written as null, and a note says so.
func (r *Result) SummaryJSON() []byte {
	sum := r.Summary()
	b, err := json.MarshalIndent(sum, "", "  ")
	var uv *json.UnsupportedValueError
	if errors.As(err, &uv) {
		sum.Notes = append(sum.Notes, "values that overflowed (±Inf) or are NaN are written as null")
		b, err = json.MarshalIndent(jsonTree(reflect.ValueOf(sum)), "", "  ")
	}
	if err != nil {
		panic("experiment: marshalling the summary: " + err.Error()) // a bug: every type above is plain data
	}
	return append(b, '\n')
}

// jsonTree rebuilds v (structs with json tags, pointers, slices, maps of
// strings, numbers, strings and booleans) as generic JSON values, with
// non-finite floats as nil (null), for encoding/json to marshal. Object
// keys then come out sorted.
func jsonTree(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonTree(v.Elem())
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
		return nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonTree(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = jsonTree(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			out[name] = jsonTree(v.Field(i))
		}
		return out
	}
	return v.Interface()
}
