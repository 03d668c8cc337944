package display

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"asyncgo/helpers/display/frame"
)

// Input asks the user for one line of text, showing prompt, and returns the
// line without its line break.
//
// In a notebook the frontend shows an input field. When it does not allow
// input (for example when notebooks run headless in CI), Input returns an
// error that says so. Outside the kernel Input prints prompt and reads a
// line from os.Stdin; at the end of input it returns an error.
//
// Input reads os.Stdin one byte at a time, so that it never consumes more
// than the line it returns.
func Input(prompt string) (string, error) { return std().input(prompt, false) }

// Password is Input for secrets: the frontend hides what the user types.
// Outside the kernel the terminal still echoes it.
func Password(prompt string) (string, error) { return std().input(prompt, true) }

func (d *displayer) input(prompt string, password bool) (string, error) {
	what := "Input"
	if password {
		what = "Password"
	}
	d.inMu.Lock()
	defer d.inMu.Unlock()
	if d.token != "" {
		b, err := frame.Append(nil, d.token, &frame.Message{Type: frame.TypeInputRequest, Prompt: prompt, Password: password})
		if err != nil {
			return "", errorf("%s: %v", what, err)
		}
		d.write(b)
	} else if prompt != "" {
		d.write([]byte(prompt))
	}
	line, err := readLine(d.in)
	switch {
	case err == io.EOF && d.token != "":
		return "", errorf("%s: the frontend does not allow input (the kernel closed standard input); run the notebook in a frontend that allows input, such as JupyterLab, or give the value in the code", what)
	case err == io.EOF:
		return "", errorf("%s: no input: standard input is at its end", what)
	case err != nil:
		return "", errorf("%s: reading standard input: %w", what, err)
	}
	return line, nil
}

// readLine reads up to and including the next newline, byte by byte, and
// returns the line without "\n" or "\r\n". A last line without a newline is
// a line; io.EOF means there was nothing left to read.
func readLine(r io.Reader) (string, error) {
	var line strings.Builder
	var b [1]byte
	for empty := 0; ; {
		n, err := r.Read(b[:])
		if n == 0 && err == nil {
			if empty++; empty == 100 {
				return "", io.ErrNoProgress
			}
			continue
		}
		if n == 1 {
			if b[0] == '\n' {
				return strings.TrimSuffix(line.String(), "\r"), nil
			}
			line.WriteByte(b[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			if line.Len() > 0 {
				return line.String(), nil
			}
			return "", io.EOF
		}
		if err != nil {
			return "", err
		}
	}
}

// errorf returns an error whose message starts with "display: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("display: "+format, args...)
}
