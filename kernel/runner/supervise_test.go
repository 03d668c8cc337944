package runner_test

import (
	"os"
	"testing"

	"asyncgo/kernel/runner"
)

// TestMain lets the test binary be the cell supervisor, as gokernel is.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runner.SuperviseArg {
		os.Exit(runner.Supervise(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// forEachSupervisor runs f as subtests without a supervisor and with the
// test binary as the supervisor.
func forEachSupervisor(t *testing.T, name string, f func(t *testing.T, supervisor string)) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Run(name, func(t *testing.T) {
		t.Run("direct", func(t *testing.T) { f(t, "") })
		t.Run("supervised", func(t *testing.T) { f(t, self) })
	})
}
