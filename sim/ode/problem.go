package ode

import (
	"errors"
	"fmt"
	"math"
)

// Func is a right-hand side: it writes f(t, y) into dy. dy never aliases y;
// neither may be retained after the call returns.
type Func func(t float64, y, dy []float64)

// Problem is the initial value problem y' = F(t, y), y(T0) = Y0, on the
// interval from T0 to T1. T1 < T0 integrates backwards in time.
type Problem struct {
	F      Func
	Y0     []float64
	T0, T1 float64
}

func (p Problem) check() error {
	switch {
	case p.F == nil:
		return errors.New("ode: problem has no right-hand side")
	case len(p.Y0) == 0:
		return errors.New("ode: problem has an empty initial state")
	case math.IsNaN(p.T0) || math.IsInf(p.T0, 0) || math.IsNaN(p.T1) || math.IsInf(p.T1, 0):
		return fmt.Errorf("ode: interval [%g, %g] is not finite", p.T0, p.T1)
	}
	for i, v := range p.Y0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("ode: initial state component %d is %g: %w", i, v, ErrNonFinite)
		}
	}
	return nil
}

// SaveAt says which points of the solution are output, either stored in the
// Solution or passed to Func. Times and Every are exclusive; Steps may be
// combined with either. The zero SaveAt outputs only the final point (T1, or
// the time of a terminal event).
//
// Points between step endpoints come from the method's dense output, so
// saving never changes the steps that are taken.
type SaveAt struct {
	// Times lists output times, within the interval and monotone in the
	// direction of integration (repeats allowed).
	Times []float64
	// Every, when positive, outputs y at T0 + k·Every (k = 0, 1, …, with the
	// product computed afresh for each k), up to T1; a last grid point
	// within 8 ulps of T1 is output at T1.
	Every float64
	// Steps outputs y at T0 and at the end of every accepted step.
	Steps bool
	// Func, when non-nil, receives each output point instead of the
	// Solution storing it. y is valid only during the call. A non-nil error
	// stops the integration and is returned, wrapped.
	Func func(t float64, y []float64) error
}

// Event is a scalar function of the state whose zero crossings are detected
// between step endpoints and located on the dense output with Brent's
// method.
//
// A crossing is a change of sign of G between two step endpoints (a zero at
// the new endpoint counts, a zero at the old one does not start a crossing).
// Two crossings within one step cancel and go unseen, as in every
// endpoint-based detector; keep steps (MaxStep) below the time scale of G if
// that matters.
type Event struct {
	// G is the event function.
	G func(t float64, y []float64) float64
	// Direction selects the crossings: +1 only where G increases through
	// zero, −1 only where it decreases, 0 both.
	Direction int
	// Terminal stops the integration at the event.
	Terminal bool
	// Tol is the absolute tolerance on the event time; zero means
	// 4ε·max(|t|, |h|), essentially full precision. Brent's method needs a
	// handful of evaluations of G per event; raise Tol when G is expensive.
	Tol float64
}

// EventRecord is an event that occurred.
type EventRecord struct {
	// Event is the index of the event in Options.Events.
	Event int
	// T is the located time and Y the dense output there.
	T float64
	Y []float64
	// Rising reports whether G increased through zero.
	Rising bool
}

// Options are the optional parts of an integration.
type Options struct {
	// SaveAt says what is output.
	SaveAt SaveAt
	// Events are detected and located in every step.
	Events []Event
	// MaxSteps bounds the number of attempted steps (accepted and
	// rejected); zero means 10,000,000.
	MaxSteps int
}

const defaultMaxSteps = 10_000_000

// Stats counts the work of an integration.
type Stats struct {
	// Evals is the number of evaluations of the right-hand side, including
	// those of the initial step selection and of the dense output.
	Evals int
	// DenseEvals is the part of Evals spent on extra dense-output stages.
	DenseEvals int
	// Steps and Rejected count accepted and rejected steps.
	Steps, Rejected int
	// EventEvals counts evaluations of event functions.
	EventEvals int
}

// Solution is the output of an integration.
type Solution struct {
	// Dim is the dimension of the state.
	Dim int
	// T holds the output times; Y holds the states, row after row:
	// y(T[i]) is Y[i*Dim:(i+1)*Dim] (see At). Both are empty when the points
	// were streamed to SaveAt.Func.
	T []float64
	Y []float64
	// Events lists the events that occurred, in time order.
	Events []EventRecord
	// Terminated reports that a terminal event ended the integration before
	// T1; its record is the last one in Events.
	Terminated bool
	// Stats counts the work.
	Stats Stats
}

// Len returns the number of stored points.
func (s *Solution) Len() int { return len(s.T) }

// At returns y(T[i]), a view into Y.
func (s *Solution) At(i int) []float64 { return s.Y[i*s.Dim : (i+1)*s.Dim] }

// ErrStepSizeTooSmall is wrapped by the error returned when the step size
// underflows (|h| ≤ 10·ε·|t|, or below PI.MinStep): a singularity, or a
// problem too stiff for an explicit method.
var ErrStepSizeTooSmall = errors.New("step size too small")

// ErrNonFinite is wrapped by the error returned when the right-hand side or
// the state becomes NaN or infinite and no smaller step avoids it.
var ErrNonFinite = errors.New("non-finite state or derivative")

// ErrMaxSteps is wrapped by the error returned when Options.MaxSteps steps
// were attempted before the end.
var ErrMaxSteps = errors.New("too many steps")

// ErrTerminated is wrapped by the error Integrator.Until returns when a
// terminal event ended the integration before the requested time.
var ErrTerminated = errors.New("integration ended by a terminal event")
