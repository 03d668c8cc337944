package execution

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"asyncgo/kernel/cell"
	"asyncgo/kernel/runner"
)

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

// failure is a failure whose traceback is its one line.
func failure(name, value string) *Failure {
	return &Failure{Name: name, Value: value, Traceback: []string{red(name) + ": " + value}}
}

func interrupted(what string) *Failure { return failure("Interrupted", what) }

func syntaxFailure(err error, name, code string) *Failure {
	var se *cell.SyntaxError
	if errors.As(err, &se) {
		text := cell.FormatDiagnostics(se.In(name), map[string]string{name: code})
		return &Failure{Name: "SyntaxError", Value: firstLine(text), Traceback: append([]string{red("SyntaxError")}, strings.Split(strings.TrimRight(text, "\n"), "\n")...)}
	}
	return failure("SyntaxError", err.Error())
}

// progressLine matches what the go command prints while it resolves
// modules, which is not part of an error.
var progressLine = regexp.MustCompile(`(?m)^go: (downloading|finding module for package|found|added|upgraded) .*\n?`)

// fetchFailure matches errors of fetching a module for an import.
var fetchFailure = regexp.MustCompile(`cannot find module providing package|reading https?://|dial tcp|no such host|GOPROXY|module lookup disabled`)

func compileFailure(be *runner.BuildError, sources map[string]string) *Failure {
	output := progressLine.ReplaceAll(be.Output, nil)
	diags := cell.ParseBuildErrors(output, sources)
	if len(diags) == 0 {
		text := strings.TrimSpace(cleanBuildOutput(string(output)))
		return &Failure{Name: "BuildError", Value: firstLine(text), Traceback: append([]string{red("BuildError")}, strings.Split(text, "\n")...)}
	}
	text := strings.TrimRight(cell.FormatDiagnostics(diags, sources), "\n")
	value := fmt.Sprintf("%d error", len(diags))
	if len(diags) > 1 {
		value += "s"
	}
	value += ": " + diags[0].Message
	tb := append([]string{red("CompileError") + ": " + value}, strings.Split(text, "\n")...)
	if fetchFailure.MatchString(text) {
		tb = append(tb, "", "Third-party packages are downloaded through the Go module proxy (go env GOPROXY) the first time a cell imports them: check the import path and the network; offline, only packages already in the module cache can be used.")
	}
	return &Failure{Name: "CompileError", Value: value, Traceback: tb}
}

// cleanBuildOutput keeps the toolchain's words but drops lines that only
// name the generated package.
func cleanBuildOutput(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "# ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

var frameOffset = regexp.MustCompile(` \+0x[0-9a-f]+$`)

// runFailure turns how a program ended into the cell's failure, or nil.
func runFailure(r runner.Result) *Failure {
	switch {
	case r.OK():
		return nil
	case r.Err != nil:
		return failure("RunError", r.Err.Error())
	case r.Interrupted:
		return interrupted("the cell was interrupted")
	case r.Crash != nil:
		lines := strings.Split(r.Crash.Report, "\n")
		tb := make([]string, 0, len(lines))
		for i, l := range lines {
			if i == 0 {
				tb = append(tb, red(r.Crash.Kind)+strings.TrimPrefix(l, r.Crash.Kind))
				continue
			}
			tb = append(tb, frameOffset.ReplaceAllString(l, ""))
		}
		return &Failure{Name: r.Crash.Kind, Value: r.Crash.Message, Traceback: tb}
	case r.Signal != "":
		return failure("Signal", "the program was killed by a signal: "+r.Signal+r.Hint)
	default:
		return failure("ExitError", fmt.Sprintf("the program exited with status %d", r.ExitCode))
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
