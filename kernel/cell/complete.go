package cell

import (
	"go/scanner"
	"go/token"
	"strings"
)

// Completeness answers of IsComplete, as in Jupyter's is_complete_reply.
const (
	Complete   = "complete"
	Incomplete = "incomplete"
	Invalid    = "invalid"
)

// indentUnit is the indent IsComplete suggests per open bracket.
const indentUnit = "    "

// IsComplete reports whether code is a complete cell, for Jupyter's
// is_complete_request. It returns "incomplete" with an indent of four
// spaces per open bracket when more lines could complete the code
// (unclosed braces, parentheses, brackets, raw strings or comments, or a
// trailing operator or comma), "invalid" when no further input can fix a
// syntax error, and "complete" otherwise. Magic and ! lines are complete.
func IsComplete(code string) (status, indent string) {
	code = Normalize(code)
	if strings.TrimSpace(code) == "" {
		return Complete, ""
	}
	c := &Cell{}
	body, _, errs := c.splitMagics(code)
	if len(errs) > 0 {
		return Invalid, ""
	}
	if strings.TrimSpace(body) == "" {
		return Complete, ""
	}

	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(body))
	var s scanner.Scanner
	var errMsgs []string
	s.Init(f, []byte(body), func(_ token.Position, msg string) { errMsgs = append(errMsgs, msg) }, 0)
	var stack []token.Token
	last := token.ILLEGAL // last token other than an inserted semicolon
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		last = tok
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, tok)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) == 0 || stack[len(stack)-1] != opener(tok) {
				return Invalid, ""
			}
			stack = stack[:len(stack)-1]
		}
	}
	for _, m := range errMsgs {
		if strings.Contains(m, "raw string literal not terminated") || strings.Contains(m, "comment not terminated") {
			return Incomplete, strings.Repeat(indentUnit, len(stack))
		}
	}
	if len(errMsgs) > 0 {
		return Invalid, ""
	}
	if len(stack) > 0 || continues(last) {
		return Incomplete, strings.Repeat(indentUnit, len(stack))
	}
	if _, err := Parse(code); err != nil {
		return Invalid, ""
	}
	return Complete, ""
}

// opener returns the opening bracket matching a closing one.
func opener(t token.Token) token.Token {
	switch t {
	case token.RPAREN:
		return token.LPAREN
	case token.RBRACK:
		return token.LBRACK
	}
	return token.LBRACE
}

// continues reports whether a line ending in t continues on the next line:
// t is a binary or assignment operator, a comma, a dot or a colon.
func continues(t token.Token) bool {
	switch t {
	case token.COMMA, token.PERIOD, token.COLON, token.ARROW, token.NOT:
		return true
	}
	return t.IsOperator() && t != token.INC && t != token.DEC &&
		t != token.RPAREN && t != token.RBRACK && t != token.RBRACE && t != token.SEMICOLON && t != token.ELLIPSIS
}
