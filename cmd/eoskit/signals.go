package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// stopSignals returns the signals eoskit handles: SIGINT (Ctrl-C), SIGTERM
// and SIGHUP (a closed terminal or a dropped ssh session) interrupt a run,
// which writes its partial results to DIR.interrupted and exits 130;
// SIGQUIT (Ctrl-\) abandons it: nothing is written, exit 131.
func stopSignals() []os.Signal {
	return []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
}

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string { return "interrupted by " + signalName(c.sig) }

// signalName names a signal the way users type it.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return sig.String()
}

// signalExit is the exit status for a run stopped by sig.
func signalExit(sig os.Signal) int {
	if sig == syscall.SIGQUIT {
		return exitQuit
	}
	return exitInterrupted
}

// stoppedBy returns the signal that cancelled ctx, or nil.
func stoppedBy(ctx context.Context) os.Signal {
	if c, ok := context.Cause(ctx).(signalCause); ok {
		return c.sig
	}
	return nil
}

// signals turns stop signals into the cancellation of a run. Until a run has
// created its staging folder there is nothing to save, so a signal ends the
// program at once (whatever it is doing: reading a spec, building a data
// set, computing a spectrum); afterwards the first signal cancels the run's
// context, which every long loop checks (GD steps, Hessian-vector products,
// the dense eigensolver's blocks, flow steps), and the run writes what it has.
// A second signal ends the program at once (leaving, like SIGKILL, the
// hidden staging folder if the run had not committed it).
type signals struct {
	mu     sync.Mutex
	staged bool
	got    os.Signal
	cancel context.CancelCauseFunc
	stderr io.Writer
	exit   func(code int) // os.Exit
}

// newSignals starts handling the stop signals and returns the context they
// cancel.
func newSignals(stderr io.Writer, exit func(int), notify func(chan<- os.Signal, ...os.Signal)) (context.Context, *signals) {
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &signals{cancel: cancel, stderr: stderr, exit: exit}
	ch := make(chan os.Signal, 2)
	notify(ch, stopSignals()...)
	go func() {
		for sig := range ch {
			s.handle(sig)
		}
	}()
	return ctx, s
}

// handle reacts to one signal.
func (s *signals) handle(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.staged || s.got != nil {
		if s.got == nil {
			fmt.Fprintf(s.stderr, "eoskit: interrupted by %s; nothing written\n", signalName(sig))
		} else {
			fmt.Fprintf(s.stderr, "eoskit: %s again: stopped at once\n", signalName(sig))
		}
		s.exit(signalExit(sig))
		return
	}
	s.got = sig
	s.cancel(signalCause{sig})
}

// stage calls create, which makes the run's staging folder, unless a
// signal has already ended the program; from then on a signal cancels the
// run instead. s may be nil (no signal handling: tests).
func (s *signals) stage(create func() error) error {
	if s == nil {
		return create()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := create(); err != nil {
		return err
	}
	s.staged = true
	return nil
}
