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
// average θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4). Cells of quantities not
// measured at a step are empty. Numbers are written in the shortest form that reads
// back to the same float64.
func (r *Result) TraceCSV() []byte {
	m := r.Exp.Spec.Measure
	return traceCSV(r.Trace, m, m.SharpnessEvery > 0 && *m.SharpnessCenter)
}

// FlowCSV returns flow_<kind>.csv: the flow's samples at t = kη with the
// columns of trace.csv (without sharpness_center), or nil without a flow.
func (r *Result) FlowCSV() []byte {
	if r.Flow == nil {
		return nil
	}
	return traceCSV(r.Flow.Trace, r.Exp.Spec.Measure, false)
}

func traceCSV(rows []gd.Row, m MeasureSpec, center bool) []byte {
	var b bytes.Buffer
	spectrum := m.SharpnessEvery > 0
	b.WriteString("step,t,loss,grad_norm")
	if spectrum {
		b.WriteString(",sharpness,sharpness_residual,hvps")
		for j := 2; j <= m.TopK; j++ {
			fmt.Fprintf(&b, ",lambda_%d", j)
		}
	}
	if center {
		b.WriteString(",sharpness_center")
	}
	b.WriteByte('\n')
	for _, row := range rows {
		b.WriteString(strconv.Itoa(row.Step))
		for _, x := range []float64{row.T, row.Loss, row.GradNorm} {
			b.WriteByte(',')
			b.WriteString(ftoa(x))
		}
		if spectrum {
			e := row.Eigen
			if e.Values == nil {
				b.WriteString(",,,")
				b.WriteString(strings.Repeat(",", m.TopK-1))
			} else {
				fmt.Fprintf(&b, ",%s,%s,%d", ftoa(e.Values[0]), ftoa(e.Residual), e.HVPs)
				for j := 1; j < m.TopK; j++ {
					b.WriteByte(',')
					if j < len(e.Values) {
						b.WriteString(ftoa(e.Values[j]))
					}
				}
			}
		}
		if center {
			b.WriteByte(',')
			if c := row.CenterSharpness(); !math.IsNaN(c) {
				b.WriteString(ftoa(c))
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
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

	// Flow summarises the continuous-time model integrated beside GD.
	Flow *FlowSummary `json:"flow,omitempty"`

	Evaluations Evaluations `json:"evaluations"`
	Build       BuildInfo   `json:"build"`
	// WallSeconds is the run's duration (informative only).
	WallSeconds float64 `json:"wall_seconds"`
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

// FlowSummary describes the flow integrated beside GD.
type FlowSummary struct {
	Kind   string  `json:"kind"`
	Method string  `json:"method"`
	RTol   float64 `json:"rtol,omitempty"`
	ATol   float64 `json:"atol,omitempty"`
	Step   float64 `json:"step,omitempty"`
	// FinalT is the time of the last sample (the run's Nη unless the
	// integration stopped early, see Error).
	FinalT         float64   `json:"final_t"`
	FinalLoss      float64   `json:"final_loss"`
	FinalSharpness *float64  `json:"final_sharpness"`
	FinalTheta     []float64 `json:"final_theta"`
	// Gradients, Steps and Rejected are the integrator's statistics.
	Gradients int `json:"gradients"`
	Steps     int `json:"steps"`
	Rejected  int `json:"rejected"`
	// Error says why the integration stopped before the end of the run.
	Error string `json:"error,omitempty"`
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
	if f := r.Flow; f != nil && len(f.Trace) > 0 {
		last := f.Trace[len(f.Trace)-1]
		fs := &FlowSummary{
			Kind: f.Spec.Kind, Method: f.Spec.Method, RTol: f.Spec.RTol, ATol: f.Spec.ATol, Step: f.Spec.Step,
			FinalT: last.T, FinalLoss: last.Loss, FinalSharpness: nullable(last.Sharpness()), FinalTheta: f.FinalTheta,
			Gradients: f.Stats.Evals, Steps: f.Stats.Steps, Rejected: f.Stats.Rejected,
		}
		if f.Err != nil {
			fs.Error = f.Err.Error()
		}
		sum.Flow = fs
	}
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
