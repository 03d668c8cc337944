package cell

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Session holds what a notebook remembers between cells: declarations,
// explicit imports, environment variables, go build flags and program
// arguments. The zero Session is not ready; use NewSession. A Session is
// not safe for concurrent use.
type Session struct {
	decls   []declEntry
	imports []importEntry
	env     []string
	goflags []string
	args    []string

	std    *stdIndex // loaded when first needed
	stdErr error
}

// declEntry is a remembered declaration and the cell it came from.
type declEntry struct {
	Decl
	cell string
}

// importEntry is a remembered import, the name it binds and the cell it
// came from.
type importEntry struct {
	Import
	key  string // bound name; "_ path" or ". path" for blank and dot imports
	cell string
}

// NewSession returns an empty session.
func NewSession() *Session {
	return &Session{}
}

// Reset forgets all declarations and imports. Environment, go flags and
// arguments are kept.
func (s *Session) Reset() {
	s.decls = nil
	s.imports = nil
}

// Commit remembers the declarations and imports of c, declared in the cell
// named name, replacing earlier ones with the same keys. The runner calls
// it after c's program built successfully.
func (s *Session) Commit(c *Cell, name string) {
	s.decls, s.imports = s.merge(c, name)
}

// Env returns the remembered environment as NAME=value strings.
func (s *Session) Env() []string { return slices.Clone(s.env) }

// GoFlags returns the remembered go build flags.
func (s *Session) GoFlags() []string { return slices.Clone(s.goflags) }

// Args returns the remembered program arguments.
func (s *Session) Args() []string { return slices.Clone(s.args) }

// merge returns the session's declarations and imports as they would be
// after committing c, without changing the session.
func (s *Session) merge(c *Cell, name string) ([]declEntry, []importEntry) {
	keys := map[string]bool{}
	for _, d := range c.Decls {
		for _, k := range d.Keys {
			keys[k] = true
		}
	}
	decls := make([]declEntry, 0, len(s.decls)+len(c.Decls))
	for _, e := range s.decls {
		if !slices.ContainsFunc(e.Keys, func(k string) bool { return keys[k] }) {
			decls = append(decls, e)
		}
	}
	for _, d := range c.Decls {
		decls = append(decls, declEntry{Decl: d, cell: name})
	}

	imports := slices.Clone(s.imports)
	for _, im := range c.Imports {
		e := importEntry{Import: im, key: s.importKey(im), cell: name}
		if i := slices.IndexFunc(imports, func(o importEntry) bool { return o.key == e.key }); i >= 0 {
			imports = slices.Delete(imports, i, i+1)
		}
		imports = append(imports, e)
	}
	return decls, imports
}

// importKey returns the name an import binds, or "_ path" and ". path" for
// blank and dot imports.
func (s *Session) importKey(im Import) string {
	switch im.Name {
	case "_", ".":
		return im.Name + " " + im.Path
	case "":
		if std := s.stdlib(); std != nil {
			if n, ok := std.byPath[im.Path]; ok {
				return n
			}
		}
		return assumedName(im.Path)
	}
	return im.Name
}

// stdlib returns the standard-library index, loading it on first use; nil
// when it cannot be loaded (s.stdErr says why).
func (s *Session) stdlib() *stdIndex {
	if s.std == nil && s.stdErr == nil {
		root, err := goroot()
		if err == nil {
			s.std, err = loadStdIndex(root)
		}
		s.stdErr = err
	}
	return s.std
}

// List returns a readable listing of what the session remembers, for %list.
func (s *Session) List() string {
	var b strings.Builder
	if len(s.imports) == 0 && len(s.decls) == 0 {
		b.WriteString("No declarations or imports remembered.\n")
	}
	if len(s.imports) > 0 {
		b.WriteString("Imports:\n")
		for _, im := range s.imports {
			spec := strconv.Quote(im.Path)
			if im.Name != "" {
				spec = im.Name + " " + spec
			}
			fmt.Fprintf(&b, "  %-40s %s\n", spec, im.cell)
		}
	}
	if len(s.decls) > 0 {
		b.WriteString("Declarations:\n")
		for _, d := range s.decls {
			fmt.Fprintf(&b, "  %-40s %s\n", d.Kind+" "+declTitle(d.Decl), d.cell)
		}
	}
	for _, l := range []struct {
		title string
		items []string
	}{{"Environment", s.env}, {"Go flags", s.goflags}, {"Arguments", s.args}} {
		if len(l.items) > 0 {
			b.WriteString(showList(l.title, l.items, " "))
		}
	}
	return b.String()
}

// declTitle names a declaration for List.
func declTitle(d Decl) string {
	var names []string
	for _, k := range d.Keys {
		if strings.HasPrefix(k, "_:") {
			k = "_"
		}
		names = append(names, k)
	}
	return strings.Join(names, ", ")
}
