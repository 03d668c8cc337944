package cell_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

// TestMagicListsAgree checks that the magics %help shows, the ones the
// package documentation lists and the ones Parse accepts are the same.
func TestMagicListsAgree(t *testing.T) {
	help, err := cell.NewSession().Apply(cell.Magic{Name: "help"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	names := func(text string, line *regexp.Regexp) []string {
		var found []string
		for _, m := range line.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(found, m[1]) {
				found = append(found, m[1])
			}
		}
		slices.Sort(found)
		return found
	}
	inHelp := names(help, regexp.MustCompile(`(?m)^  %(\w+)`))
	inDoc := names(string(doc), regexp.MustCompile(`(?m)^//\t%(\w+)`))
	if !slices.Equal(inHelp, inDoc) {
		t.Errorf("%%help lists %v, the package documentation %v", inHelp, inDoc)
	}
	for _, name := range inHelp {
		c, err := cell.Parse("%" + name + "\nfmt.Println(1)")
		if err != nil || len(c.Magics) != 1 || c.Magics[0].Name != name {
			t.Errorf("%%%s: %%help lists it, but Parse gives %v, %v", name, c, err)
		}
	}
	_, err = cell.Parse("%nosuchmagic")
	if err == nil {
		t.Fatal("Parse accepted %nosuchmagic")
	}
	for _, name := range inHelp {
		if !strings.Contains(err.Error(), "%"+name) {
			t.Errorf("the error for an unknown magic does not name %%%s: %v", name, err)
		}
	}
}
