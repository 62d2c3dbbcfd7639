package model

import "fmt"

// ParamError reports an invalid model parameter. Param is the name the
// parameter has in an experiment spec (for example "target" or "width"), so
// that a caller can point at the offending field.
type ParamError struct {
	Model string // the model kind, as in specs: "quadratic", "matfact", ...
	Param string // the parameter's name
	Msg   string // what is wrong with it
}

// Error implements error.
func (e *ParamError) Error() string {
	return fmt.Sprintf("model: %s: %s: %s", e.Model, e.Param, e.Msg)
}

func paramErr(model, param, format string, args ...any) error {
	return &ParamError{Model: model, Param: param, Msg: fmt.Sprintf(format, args...)}
}

// checkLen panics with a "model:" message when a slice has the wrong length.
func checkLen(method, name string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("model: %s: len(%s) = %d, want %d", method, name, got, want))
	}
}

// finite reports whether every element of x is finite.
func finite(x []float64) bool {
	for _, v := range x {
		if v-v != 0 {
			return false
		}
	}
	return true
}

func isFinite(x float64) bool { return x-x == 0 }
