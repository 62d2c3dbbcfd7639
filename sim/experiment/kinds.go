package experiment

import (
	"encoding/json"
	"reflect"

	"github.com/eoskit/eoskit/sim"
)

// modelParams is implemented by the parameters of each model kind.
type modelParams interface {
	// validate checks ranges and fills defaults; path is "model".
	validate(path string) error
	// needsData reports whether the model trains on a data set.
	needsData() bool
	// build constructs the objective (data is nil unless needsData).
	build(env *buildEnv) (sim.Objective, error)
	// describe is a one-line human description ("deep matrix
	// factorisation, L=3, d=2").
	describe() string
	// smooth reports whether the loss is twice continuously
	// differentiable (false for ReLU networks).
	smooth() bool
}

// ModelSpec selects the model: {"kind": K, ...the kind's parameters}.
// The kinds and their parameters are listed by ModelKinds.
type ModelSpec struct {
	Kind   string
	params modelParams
}

// bindJSON implements binder.
func (m *ModelSpec) bindJSON(v any, path string) error {
	p, kind, err := bindKind(v, path, modelKinds())
	if err != nil {
		return err
	}
	m.Kind, m.params = kind, p
	return nil
}

// MarshalJSON writes {"kind": K, ...parameters}.
func (m ModelSpec) MarshalJSON() ([]byte, error) { return marshalKind(m.Kind, m.params) }

// DataSpec selects the data set of a network model:
// {"kind": K, ...the kind's parameters}.
type DataSpec struct {
	Kind   string
	params dataParams
}

// bindJSON implements binder.
func (d *DataSpec) bindJSON(v any, path string) error {
	p, kind, err := bindKind(v, path, dataKinds())
	if err != nil {
		return err
	}
	d.Kind, d.params = kind, p
	return nil
}

// MarshalJSON writes {"kind": K, ...parameters}.
func (d DataSpec) MarshalJSON() ([]byte, error) { return marshalKind(d.Kind, d.params) }

// bindKind reads the "kind" field of the object v, looks its parameter type
// up in the table and binds the rest of the object into a new value of it.
func bindKind[T any](v any, path string, table map[string]func() T) (T, string, error) {
	var zero T
	obj, ok := v.(map[string]any)
	if !ok {
		return zero, "", specErr(path, "want an object, got %s", describe(v))
	}
	kv, ok := obj["kind"]
	if !ok {
		return zero, "", specErr(join(path, "kind"), "missing (one of: %s)", kinds(table))
	}
	kind, ok := kv.(string)
	if !ok {
		return zero, "", specErr(join(path, "kind"), "want a string, got %s", describe(kv))
	}
	mk, ok := table[kind]
	if !ok {
		return zero, "", specErr(join(path, "kind"), "unknown kind %q (one of: %s)", kind, kinds(table))
	}
	rest := make(map[string]any, len(obj))
	for k, x := range obj {
		if k != "kind" {
			rest[k] = x
		}
	}
	p := mk()
	if err := bind(rest, reflect.ValueOf(p).Elem(), path); err != nil {
		return zero, "", err
	}
	return p, kind, nil
}

// marshalKind writes the parameters' fields after "kind".
func marshalKind(kind string, params any) ([]byte, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	k, _ := json.Marshal(kind)
	if string(b) == "{}" {
		return []byte(`{"kind":` + string(k) + `}`), nil
	}
	return append([]byte(`{"kind":`+string(k)+`,`), b[1:]...), nil
}
