package experiment

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Output is the output folder of a run, written atomically. Files are
// written into a staging folder next to the destination (each through a
// temporary file, synced and renamed), and the staging folder replaces the
// destination only when every file is written (Commit). An interrupted or
// failed run therefore never leaves a truncated file in the destination,
// and never overwrites a finished result there.
//
// A destination that already exists is replaced only when it is empty or
// holds an earlier eoskit result (see CheckDestination): a mistyped -out
// never deletes somebody's folder.
type Output struct {
	final, stage string
}

// runFile reports whether name is a file that a run writes.
func runFile(name string) bool {
	switch name {
	case "spec.json", "trace.csv", "summary.json":
		return true
	}
	ext := filepath.Ext(name)
	return (strings.HasPrefix(name, "flow_") && ext == ".csv") || ext == ".png" || ext == ".svg"
}

// CheckDestination reports whether dir may receive a run's results: it does
// not exist yet, or it is an empty folder, or it is an earlier eoskit result
// (a folder holding spec.json and summary.json and nothing but files a run
// writes). The error is a *SpecError on the path "-out" otherwise.
func CheckDestination(dir string) error {
	st, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return specErr("-out", "%v", err)
	}
	if !st.IsDir() {
		return specErr("-out", "%s exists and is not a folder; refusing to replace it", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return specErr("-out", "%v", err)
	}
	if len(ents) == 0 {
		return nil
	}
	var spec, summary bool
	for _, e := range ents {
		if !e.Type().IsRegular() || !runFile(e.Name()) {
			return specErr("-out", "%s exists and is not an eoskit result folder (it holds %q); refusing to replace it", dir, e.Name())
		}
		spec = spec || e.Name() == "spec.json"
		summary = summary || e.Name() == "summary.json"
	}
	if !spec || !summary {
		return specErr("-out", "%s exists and is not an eoskit result folder (no spec.json and summary.json); refusing to replace it", dir)
	}
	return nil
}

// NewOutput checks the destination (and, for interrupted runs, the
// destination with the suffix ".interrupted") and creates the staging
// folder next to it, creating dir's parent folders as needed. Call it before
// a long run, so that an unusable destination is reported at once.
func NewOutput(dir string) (*Output, error) {
	final := filepath.Clean(dir)
	for _, d := range []string{final, final + ".interrupted"} {
		if err := CheckDestination(d); err != nil {
			return nil, err
		}
	}
	parent, base := filepath.Split(final)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	stage, err := os.MkdirTemp(parent, "."+base+".partial-")
	if err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		os.RemoveAll(stage)
		return nil, fmt.Errorf("output folder: %w", err)
	}
	return &Output{final: final, stage: stage}, nil
}

// Dir returns the destination folder.
func (o *Output) Dir() string { return o.final }

// WriteFile writes one file of the run atomically into the staging folder;
// name may name a subfolder ("kinetic_snapshots/step_000100.csv"), which is
// created.
func (o *Output) WriteFile(name string, data []byte) error {
	dir, base := filepath.Split(filepath.FromSlash(name))
	if dir != "" {
		// A file in a subfolder of the run's folder (kinetic_snapshots/).
		if err := os.MkdirAll(filepath.Join(o.stage, dir), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	f, err := os.CreateTemp(filepath.Join(o.stage, dir), "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(o.stage, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// Commit moves the staging folder to dest (the final destination, or
// another name for partial results), replacing what was there, which must
// pass CheckDestination.
func (o *Output) Commit(dest string) error {
	if err := CheckDestination(dest); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dest); err == nil {
		parent, base := filepath.Split(dest)
		if parent == "" {
			parent = "."
		}
		tmp, err := os.MkdirTemp(parent, "."+base+".old-")
		if err != nil {
			return fmt.Errorf("replacing %s: %w", dest, err)
		}
		old = filepath.Join(tmp, "prev")
		if err := os.Rename(dest, old); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("replacing %s: %w", dest, err)
		}
		defer os.RemoveAll(tmp)
	}
	if err := os.Rename(o.stage, dest); err != nil {
		if old != "" {
			os.Rename(old, dest) // put the previous result back
		}
		return fmt.Errorf("output folder %s: %w", dest, err)
	}
	o.stage = ""
	return nil
}

// Abort removes the staging folder (a no-op after Commit).
func (o *Output) Abort() {
	if o.stage != "" {
		os.RemoveAll(o.stage)
		o.stage = ""
	}
}
