// syscall.Mkfifo exists on these systems only.

//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package data_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eoskit/eoskit/sim/data"
)

func TestReadArrayFIFO(t *testing.T) {
	// A named pipe is refused by its type, without being opened: opening it
	// for reading would block until some process opens it for writing.
	for _, tc := range []struct {
		name, file, msg string
	}{
		{"npy", "p.npy", "is a named pipe (FIFO), not a regular file"},
		{"csv", "p.csv", "is a named pipe (FIFO), not a regular file"},
		{"unknown extension", "p.json", `unknown file type ".json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("cannot make a named pipe: %v", err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := data.ReadArray(p)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				// A guard against hanging, not a speed check: correct code
				// returns without opening the pipe, in microseconds. A
				// ReadArray blocked in open is released by opening the pipe
				// for writing (which succeeds now that it has a reader) and
				// closing it: the reader then sees an empty file.
				t.Errorf("ReadArray(%s) blocked on a named pipe", p)
				if w, werr := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
					w.Close()
				}
				err = <-done
			}
			if err == nil || !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) ||
				!strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v: want one line with ErrInvalid, the path and %q", err, tc.msg)
			}
		})
	}
}
