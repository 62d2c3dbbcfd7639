package experiment

import (
	"embed"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

//go:embed specs/*.json
var embeddedSpecs embed.FS

// Entry is an embedded experiment's name and description.
type Entry struct {
	Name, Description string
}

// List returns the embedded experiments, sorted by name, with "default"
// first.
func List() []Entry {
	ents, err := embeddedSpecs.ReadDir("specs")
	if err != nil {
		panic("experiment: reading the embedded specs: " + err.Error())
	}
	var out []Entry
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".json")
		s, err := Embedded(name)
		if err != nil {
			panic(fmt.Sprintf("experiment: embedded spec %s is invalid: %v", name, err))
		}
		out = append(out, Entry{Name: s.Name, Description: s.Description})
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == "default") != (out[j].Name == "default") {
			return out[i].Name == "default"
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Embedded returns the embedded experiment with the given name, parsed.
func Embedded(name string) (*Spec, error) {
	data, err := embeddedSpecs.ReadFile(path.Join("specs", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("no embedded experiment %q", name)
	}
	s, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("embedded experiment %s: %w", name, err)
	}
	return s, nil
}

// Resolve reads SPEC as the command line gives it: the embedded experiment
// of that name when there is one and the argument is a bare name (no path
// separator, no .json suffix), even if a file of that name exists in the
// working folder (give ./NAME to read the file); otherwise a path to a JSON
// file when a file (not a folder) exists there or the argument ends in
// .json or names a path. (A run's output folder out/default must not hide
// the embedded "default" from a command run in out/, nor a stray file
// named default from eoskit with no arguments.)
func Resolve(arg string) (*Spec, error) {
	bare := !strings.HasSuffix(arg, ".json") && !strings.ContainsRune(arg, os.PathSeparator) && !strings.ContainsRune(arg, '/')
	if bare {
		if s, err := Embedded(arg); err == nil {
			return s, nil
		}
	}
	if fi, err := os.Stat(arg); (err == nil && !fi.IsDir()) || !bare {
		return ReadSpecFile(arg)
	}
	s, err := Embedded(arg)
	if err != nil {
		var names []string
		for _, e := range List() {
			names = append(names, e.Name)
		}
		return nil, fmt.Errorf("%q is neither a spec file nor an embedded experiment (%s)", arg, strings.Join(names, ", "))
	}
	return s, nil
}
