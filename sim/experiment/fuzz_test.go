package experiment

import (
	"errors"
	"path"
	"strings"
	"testing"
)

// FuzzParseSpec: whatever the bytes, ParseSpec returns a spec or a
// one-line *SpecError, never panics. The seeds (run by plain go test) are
// the embedded specs and inputs that once crashed the duplicate-key scan:
// the empty key "", whose value was taken for the next key. Run the fuzzer
// with go test -fuzz FuzzParseSpec ./sim/experiment.
func FuzzParseSpec(f *testing.F) {
	for _, e := range List() {
		data, err := embeddedSpecs.ReadFile(path.Join("specs", e.Name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"":{"":0}}`,
		`{"":true}`,
		`{"":"x","":"y"}`,
		`{"name":"b","":1,"model":{"kind":"quartic"},"init":{"theta":[1]},"gd":{"eta":0.1,"steps":3}}`,
		`{"name":"b","model":{"kind":"quartic","":{"a":1}},"init":{"theta":[1]},"gd":{"eta":0.1,"steps":3}}`,
		`{"name":"b","model":{"kind":"quartic"},"init":{"theta":[1]},"gd":{"eta":5e-324,"steps":3}}`,
		`[]`, `null`, ``, `{`, `{"name":}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(data)
		if err == nil {
			if spec == nil {
				t.Fatal("nil spec without an error")
			}
			return
		}
		var se *SpecError
		if !errors.As(err, &se) {
			t.Errorf("error %q (%T) is not a *SpecError", err, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error on several lines: %q", err)
		}
	})
}
