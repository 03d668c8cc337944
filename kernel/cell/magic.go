package cell

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Magic is one % line of a cell, such as "%env GOMAXPROCS=2".
type Magic struct {
	// Name is the magic's name without "%": one of the registry's (help,
	// reset, list, env, goflags, args, kernel, engine).
	Name string
	// Args are the words after the name, with quotes removed.
	Args []string
	// Line is the magic's line in its cell (1-based).
	Line int
}

// A magicInfo describes one magic: the registry below is the one list of
// magics, from which parsing, the error for an unknown magic and %help
// are made (kernel/cell's package documentation lists them too, and a test
// checks it agrees).
type magicInfo struct {
	name  string
	usage string   // the forms, as %help shows them
	help  []string // what it does, one line each
}

// magics is the registry of magics, in the order %help lists them.
var magics = []magicInfo{
	{"help", "%help", []string{"show this help"}},
	{"reset", "%reset", []string{"forget all declarations and imports"}},
	{"list", "%list", []string{"show what is remembered"}},
	{"env", "%env [NAME=value ...]", []string{"show or set environment variables for runs (--reset clears)"}},
	{"goflags", "%goflags [flags ...]", []string{"show or set go build flags, e.g. -race (--reset clears)"}},
	{"args", "%args [args ...]", []string{"show or set the program's arguments (--reset clears)"}},
	{"kernel", "%kernel", []string{"show the kernel's own state (version, memory, goroutines)"}},
	{"engine", "%engine [auto|go|yaegi [--force]]", []string{
		"show or choose what runs cells: auto (the default) runs a",
		"cell with the yaegi interpreter when that gives the same",
		"result, else with the compiler; go always compiles; yaegi",
		"interprets when the router allows (--force: always)",
	}},
}

// magicNames lists the known magics.
var magicNames = func() []string {
	names := make([]string, len(magics))
	for i, m := range magics {
		names[i] = m.name
	}
	return names
}()

// helpText is what %help shows.
var helpText = func() string {
	var b strings.Builder
	b.WriteString(`Cells mix Go declarations with statements; the statements run as main.
Declarations and imports are remembered; values are not (every run is a new process).
A last expression that is not a statement, such as x or p.Name, is displayed.
Magics and ! lines go at the top of a cell, one per line:
`)
	const column = 24
	for _, m := range magics {
		for i, h := range m.help {
			switch {
			case i == 0 && len(m.usage) < column-2:
				fmt.Fprintf(&b, "  %-*s%s\n", column-2, m.usage, h)
			case i == 0:
				fmt.Fprintf(&b, "  %s\n%*s%s\n", m.usage, column, "", h)
			default:
				fmt.Fprintf(&b, "%*s%s\n", column, "", h)
			}
		}
	}
	b.WriteString(`  !command              run a shell command in the notebook's directory, before the Go code
                        ($GOKERNEL_WORKSPACE is the module cells build in: cd there for
                        go doc asyncgo/helpers/timeline)
A line holding only %% starts main's body: everything after it is a statement.
`)
	return b.String()
}()

// parseMagic parses one magic line, which starts with "%".
func parseMagic(line string, lineNo int) (Magic, error) {
	words, err := splitArgs(line[1:])
	if err != nil {
		return Magic{}, fmt.Errorf("magic %s: %v", line, err)
	}
	if len(words) == 0 || !slices.Contains(magicNames, words[0]) {
		name := "%"
		if len(words) > 0 {
			name += words[0]
		}
		return Magic{}, fmt.Errorf("unknown magic %s: the known magics are %%%s", name, strings.Join(magicNames, ", %"))
	}
	return Magic{Name: words[0], Args: words[1:], Line: lineNo}, nil
}

// splitArgs splits s into words at spaces and tabs. Single and double
// quotes group words and a backslash (outside single quotes) escapes the
// next character.
func splitArgs(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			w.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if escaped {
		return nil, errors.New("backslash at the end of the line")
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// Apply executes a magic on the session and returns the text to show.
// %help, %list and the show forms return text; settings return a short
// confirmation. Settings take effect for the next Generate, so the runner
// applies a cell's magics before generating its program.
func (s *Session) Apply(m Magic) (string, error) {
	switch m.Name {
	case "help":
		return helpText, nil
	case "reset":
		s.Reset()
		return "Forgot all declarations and imports.\n", nil
	case "list":
		return s.List(), nil
	case "env":
		if len(m.Args) == 0 {
			return showList("Environment", s.env, "\n"), nil
		}
		if len(m.Args) == 1 && m.Args[0] == "--reset" {
			s.env = nil
			return "Environment cleared.\n", nil
		}
		env := slices.Clone(s.env)
		for _, a := range m.Args {
			name, _, ok := strings.Cut(a, "=")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return "", fmt.Errorf("%%env %s: want NAME=value (or %%env alone to show, %%env --reset to clear)", a)
			}
			env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, name+"=") })
			env = append(env, a)
		}
		s.env = env
		return showList("Environment", s.env, "\n"), nil
	case "goflags":
		return applyWords(&s.goflags, m.Args, "Go flags"), nil
	case "args":
		return applyWords(&s.args, m.Args, "Arguments"), nil
	case "kernel", "engine":
		// The kernel process answers these; the session has nothing to
		// add.
		return "", nil
	}
	return "", fmt.Errorf("unknown magic %%%s: the known magics are %%%s", m.Name, strings.Join(magicNames, ", %"))
}

// applyWords shows, clears or replaces a remembered word list.
func applyWords(dst *[]string, args []string, title string) string {
	switch {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "--reset":
		*dst = nil
	default:
		*dst = slices.Clone(args)
	}
	return showList(title, *dst, " ")
}

// showList formats a titled list of settings.
func showList(title string, items []string, sep string) string {
	if len(items) == 0 {
		return title + ": (none)\n"
	}
	if sep == "\n" {
		return title + ":\n  " + strings.Join(items, "\n  ") + "\n"
	}
	return title + ": " + strings.Join(items, sep) + "\n"
}
