package interp

import (
	"go/token"

	"asyncgo/kernel/typecheck"
)

// Decision is the router's answer for one program.
type Decision struct {
	// Yaegi reports that the program may run with the interpreter.
	Yaegi bool
	// Class is the first class found, when Yaegi is false.
	Class Class
	// Where is the position of what was found, in cell coordinates.
	Where token.Position
}

// Reason says why a program runs with the compiler, or "" when it may run
// with yaegi.
func (d Decision) Reason() string {
	if d.Yaegi {
		return ""
	}
	s := d.Class.Name + ": " + d.Class.Why
	if d.Where.IsValid() {
		s = d.Where.String() + ": " + s
	}
	return s
}

// Route decides whether the type-checked program res may run with yaegi:
// only when no class of Classes is found in it. A nil res (the program
// could not be checked) goes to the compiler.
func Route(res *typecheck.Result) Decision {
	if res == nil || res.File == nil || res.Info == nil {
		return Decision{Class: Class{Name: "unchecked", Why: "the program could not be type-checked"}}
	}
	p := &program{file: res.File, info: res.Info, errors: res.Errors, names: newTypeNames(res.Info, res.File)}
	for _, c := range Classes() {
		if pos := c.find(p); pos.IsValid() {
			return Decision{Class: c, Where: res.Fset.Position(pos)}
		}
	}
	return Decision{Yaegi: true}
}

// RouteDisplayingLastCall is Route for the program that also displays the
// value of main's last statement, a call with one result (see
// RewriteDisplayingLastCall), decided from the type check res of the
// program without the display: passing the value to the display helpers
// is passing it to library code as an interface, which the
// program-types-at-host class looks at. No second type check is needed.
func RouteDisplayingLastCall(res *typecheck.Result) Decision {
	d := Route(res)
	if !d.Yaegi {
		return d
	}
	e := lastExpr(res.File)
	if e == nil {
		return Decision{Class: Class{Name: "unchecked", Why: "the program has no last call to display"}}
	}
	p := &program{file: res.File, info: res.Info, errors: res.Errors, names: newTypeNames(res.Info, res.File)}
	if displayedAtHost(p, res.Info.TypeOf(e)) {
		for _, c := range Classes() {
			if c.Name == "program-types-at-host" {
				return Decision{Class: c, Where: res.Fset.Position(e.Pos())}
			}
		}
	}
	return d
}
