package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the real program (main, with its signal handling) when the
// test binary is started by runMain: the signal tests need a process of
// their own.
func TestMain(m *testing.M) {
	if os.Getenv("EOSKIT_TEST_MAIN") == "1" {
		os.Args[0] = "eoskit"
		main()
		return
	}
	os.Exit(m.Run())
}

// startMain starts eoskit with args in dir as a child process.
func startMain(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "EOSKIT_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// waitFor polls until cond holds; the deadline guards against a hang (it
// is not a speed check: the events awaited take milliseconds).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// exitCode waits for cmd (with a guard against a hang) and returns its
// exit status, or -1 when a signal killed it.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("eoskit did not exit after the signal")
		return 0
	}
}

// A long run: the quartic's steps are cheap, 10⁹ of them take many
// seconds, and the rows are few.
const longSpec = `{"name": "long", "model": {"kind": "quartic"}, "init": {"theta": [0.9]},
  "gd": {"eta": 1.1, "steps": 1000000000}, "measure": {"sharpness_every": 100000, "trace_every": 100000}}`

// TestSignals sends each stop signal to a running `eoskit run` once its
// staging folder exists: SIGINT, SIGTERM and SIGHUP (an ssh session
// dropping) stop it with status 130 and its partial results in
// DIR.interrupted; SIGQUIT stops it with status 131 and writes nothing.
// Before, SIGHUP killed the process (status 129, an empty staging folder
// left behind) and SIGQUIT dumped the goroutines and exited 2, the status
// of bad input.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, tc := range []struct {
		sig     syscall.Signal
		code    int
		results bool
	}{
		{syscall.SIGINT, 130, true},
		{syscall.SIGTERM, 130, true},
		{syscall.SIGHUP, 130, true},
		{syscall.SIGQUIT, 131, false},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "long.json"), []byte(longSpec), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd, stderr := startMain(t, dir, "run", "-quiet", "-out", "o", "long.json")
			waitFor(t, "the staging folder", func() bool {
				m, _ := filepath.Glob(filepath.Join(dir, ".o.partial-*"))
				return len(m) == 1
			})
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd); code != tc.code {
				t.Fatalf("exit status %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if n := strings.Count(stderr.String(), "\n"); n != 1 {
				t.Errorf("stderr %q: want one line", stderr)
			}
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			want := []string{"long.json"}
			if tc.results {
				want = []string{"long.json", "o.interrupted"}
			}
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Fatalf("the folder holds %v, want %v", names, want)
			}
			if tc.results {
				m := readSummary(t, filepath.Join(dir, "o.interrupted"))
				if m["cancelled"] != true {
					t.Errorf("summary: cancelled %v, want true", m["cancelled"])
				}
			}
		})
	}
}

// TestSignalBeforeStaging: a signal that arrives before the run has created
// its staging folder (while a spec is read, a data set built or a spectrum
// computed: nothing to save) ends the program at once with the signal's
// status, and one after it cancels the run's context instead, with the
// signal as the cause.
func TestSignalBeforeStaging(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT} {
		var stderr bytes.Buffer
		code := -1
		notify := func(chan<- os.Signal, ...os.Signal) {}
		ctx, s := newSignals(&stderr, func(c int) { code = c }, notify)
		s.handle(sig)
		want := exitInterrupted
		if sig == syscall.SIGQUIT {
			want = exitQuit
		}
		if code != want || ctx.Err() != nil || !strings.Contains(stderr.String(), "nothing written") {
			t.Errorf("%v before staging: exit %d, context %v, stderr %q; want exit %d at once", sig, code, ctx.Err(), stderr.String(), want)
		}
		code = -1
		if err := s.stage(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
		s.handle(sig)
		if code != -1 || !errors.Is(ctx.Err(), context.Canceled) || stoppedBy(ctx) != sig {
			t.Errorf("%v after staging: exit %d, context %v, cause %v; want the context cancelled by the signal", sig, code, ctx.Err(), stoppedBy(ctx))
		}
		s.handle(sig) // a second signal: at once
		if code != want {
			t.Errorf("%v twice: exit %d, want %d", sig, code, want)
		}
	}
}
