package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// outDir writes a run's files atomically. Files are written into a staging
// folder next to the destination (each through a temporary file, synced and
// renamed), and the staging folder replaces the destination only when every
// file is written (Commit). An interrupted or failed run therefore never
// leaves a truncated file in the destination, and never overwrites a
// finished result there.
type outDir struct {
	final, stage string
}

// newOutDir creates the staging folder for final (creating final's parent
// folders as needed).
func newOutDir(final string) (*outDir, error) {
	final = filepath.Clean(final)
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
	return &outDir{final: final, stage: stage}, nil
}

// WriteFile writes one file of the run atomically into the staging folder.
func (o *outDir) WriteFile(name string, data []byte) error {
	f, err := os.CreateTemp(o.stage, "."+name+".tmp-")
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
// another name for partial results), replacing what was there.
func (o *outDir) Commit(dest string) error {
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
func (o *outDir) Abort() {
	if o.stage != "" {
		os.RemoveAll(o.stage)
		o.stage = ""
	}
}
