//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runGuarded runs the CLI in a goroutine and fails the test when it does not
// return: a guard against hanging on a named pipe, not a speed check
// (correct code returns in microseconds, before opening the pipe). A CLI
// blocked in open is released by opening the pipe for writing.
func runGuarded(t *testing.T, fifo string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type out struct {
		code   int
		o, e   string
		closed bool
	}
	done := make(chan out, 1)
	go func() {
		var o, e bytes.Buffer
		c := run(t.Context(), args, &o, &e, false)
		done <- out{code: c, o: o.String(), e: e.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.o, r.e
	case <-time.After(30 * time.Second):
		t.Errorf("eoskit %v did not return", args)
		if fifo != "" {
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		r := <-done
		return r.code, r.o, r.e
	}
}

// TestSpecNotARegularFile: a spec path that is not a regular file (a named
// pipe, which blocked forever; a device or a link to one, which fed the JSON
// decoder without end; a sparse file of 64 MiB, which was read whole) is
// refused at once, by its type or size, with status 2, one line naming the
// path and what it is, and nothing created — for `run` and `spectrum`.
func TestSpecNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a named pipe: %v", err)
	}
	sparse := filepath.Join(dir, "sparse.json")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	link := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, path, msg string }{
		{"named pipe", fifo, "is a named pipe (FIFO), not a regular file"},
		{"sparse file", sparse, "67108864 bytes, more than the limit of 4194304 bytes for a spec"},
		{"link to /dev/zero", link, "is a character device, not a regular file"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, struct{ name, path, msg string }{"/dev/zero", "/dev/zero", "is a character device, not a regular file"})
	}
	for _, tc := range cases {
		for _, cmd := range []string{"run", "spectrum"} {
			t.Run(cmd+" "+tc.name, func(t *testing.T) {
				work := t.TempDir()
				t.Chdir(work)
				code, stdout, stderr := runGuarded(t, fifo, cmd, tc.path)
				if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.msg) || !strings.Contains(stderr, tc.path) {
					t.Errorf("exit %d, stderr %q; want 2 and one line naming %s and %q", code, stderr, tc.path, tc.msg)
				}
				if ents, _ := os.ReadDir(work); stdout != "" || len(ents) != 0 {
					t.Errorf("stdout %q and %d entries created; want nothing", stdout, len(ents))
				}
			})
		}
	}
}

// TestOverrideFolder: a run with overrides writes to a folder named after
// them, so that it never replaces the result of the spec as written
// (`eoskit run quartic -steps 5` used to replace out/quartic).
func TestOverrideFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, e := runCLI(t, "run", "-quiet", "quartic"); code != 0 {
		t.Fatal(e)
	}
	before, err := os.ReadFile(filepath.Join("out", "quartic", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		folder string
	}{
		{[]string{"-steps", "5"}, "quartic-steps5"},
		{[]string{"-eta", "1.05", "-steps", "7"}, "quartic-steps7-eta1.05"},
		{[]string{"-seed", "3"}, "quartic-seed3"},
	} {
		args := append([]string{"run", "-quiet"}, tc.args...)
		code, stdout, e := runCLI(t, append(args, "quartic")...)
		if code != 0 || !strings.Contains(stdout, filepath.Join("out", tc.folder)+"/") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q; want a run into out/%s", tc.args, code, stdout, e, tc.folder)
		}
		if _, err := os.Stat(filepath.Join("out", tc.folder, "summary.json")); err != nil {
			t.Errorf("%v: %v", tc.args, err)
		}
	}
	after, err := os.ReadFile(filepath.Join("out", "quartic", "summary.json"))
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("out/quartic changed under overridden runs (%v)", err)
	}
}

// TestErrorsNameTheRightThing: each message names what is wrong, with the
// documented status.
func TestErrorsNameTheRightThing(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr (or stdout for a zero status)
		not  string // must not appear in stderr
	}{
		{"matfact dim too large", []string{"run", "-quiet", "bigdim.json"}, 2, "model.dim", "model.depth"},
		{"spectrum -k 0", []string{"spectrum", "-k", "0", "default"}, 2, "-k 0: must be ≥ 1", "eigenvalues ≤"},
		{"spectrum -k too many", []string{"spectrum", "-k", "13", "default"}, 2, "13 eigenvalues asked of a Hessian with 12 parameters", ""},
		{"negative seed", []string{"run", "-seed", "-5", "quartic"}, 2, "-seed: want a whole number from 0 to", "parse error"},
		{"steps not a number", []string{"run", "-steps", "ten", "quartic"}, 2, "-steps: want a whole number", "parse error"},
		{"eta not a number", []string{"run", "-eta", "big", "quartic"}, 2, "-eta: want a number > 0", "parse error"},
		{"list -h", []string{"list", "-h"}, 0, "eoskit list", ""},
		{"version -h", []string{"version", "-h"}, 0, "eoskit version", ""},
		{"one parameter", []string{"spectrum", "quartic"}, 0, "1 parameter,", "1 parameters"},
		// A folder where nobody may create folders (as root too): the
		// results cannot be written (status 1, as for any write failure),
		// and the message names -out's folder and where it failed, not the
		// hidden staging folder.
		{"-out not writable", []string{"run", "-quiet", "-out", "/sys/eoskit-test-out", "quartic"}, 1,
			"cannot write the results to /sys/eoskit-test-out: cannot create a folder in /sys:", ".partial"},
		{"-out under a file", []string{"run", "-quiet", "-out", "afile/result", "quartic"}, 2, "-out: lstat afile/result: not a directory", ""},
		// A file named like an embedded experiment does not replace it
		// silently.
		{"file shadowing an embedded name", []string{"run", "-quiet", "-steps", "3", "-out", "o", "default"}, 0, "running the embedded experiment \"default\"; to run the file default instead, give it as ./default", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			big := `{"name": "a", "model": {"kind": "matfact", "depth": 3, "dim": 100000, "target": [[1]]},
				"init": {"scheme": "gaussian", "scale": 0.1}, "gd": {"eta": 0.1, "steps": 3}}`
			files := map[string]string{"bigdim.json": big, "afile": "x"}
			if strings.HasPrefix(tc.name, "file shadowing") {
				files["default"] = "{}"
			}
			for name, content := range files {
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if strings.HasPrefix(tc.args[len(tc.args)-2], "/sys/") {
				if runtime.GOOS != "linux" {
					t.Skip("/sys is Linux's")
				}
				if err := os.Mkdir(tc.args[len(tc.args)-2], 0o755); err == nil {
					os.Remove(tc.args[len(tc.args)-2])
					t.Skip("/sys is writable here")
				}
			}
			code, stdout, stderr := runCLI(t, tc.args...)
			text := stderr
			if tc.code == 0 {
				text = stdout + stderr
			}
			if code != tc.code || !strings.Contains(text, tc.want) || (tc.not != "" && strings.Contains(stderr, tc.not)) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q (without %q)", code, stdout, stderr, tc.code, tc.want, tc.not)
			}
			if tc.code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q: want one line", stderr)
			}
		})
	}
}

// TestVersion: `eoskit version` and every summary.json say which eoskit
// produced them (the module and its version; the VCS revision when the
// build recorded one).
func TestVersion(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "eoskit ") || !strings.Contains(stdout, runtime.Version()) || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, e := runCLI(t, "run", "-quiet", "-steps", "3", "-out", "o", "quartic"); code != 0 {
		t.Fatal(e)
	}
	b := readSummary(t, "o")["build"].(map[string]any)
	if b["module"] != "github.com/eoskit/eoskit" || b["version"] == nil || b["go"] != runtime.Version() {
		t.Errorf("summary build %v: want the module, its version and the Go version", b)
	}
}
