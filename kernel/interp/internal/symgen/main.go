// Command symgen writes the yaegi symbol tables of the helper packages for
// the interpreter worker (../../worker/symbols), then the list of every
// symbol the worker offers (../../symbols.txt), which the router reads.
//
// Run it with go generate in asyncgo/kernel/interp after a helper package
// changes its exported API.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/traefik/yaegi/extract"
	"github.com/traefik/yaegi/stdlib"

	"asyncgo/helpers"
	"asyncgo/kernel/interp/worker/symbols"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("symgen: ")
	if len(os.Args) > 1 && os.Args[1] == "-list" {
		if err := writeList("symbols.txt"); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := writeTables(filepath.Join("worker", "symbols")); err != nil {
		log.Fatal(err)
	}
}

// writeTables extracts every public helper package into dir.
func writeTables(dir string) error {
	pkgs, err := helpers.Packages()
	if err != nil {
		return err
	}
	ex := extract.Extractor{Dest: "symbols"}
	for _, p := range pkgs {
		if strings.Contains(p, "/internal/") {
			continue
		}
		var b bytes.Buffer
		if _, err := ex.Extract(p, "", &b); err != nil {
			return fmt.Errorf("extract %s: %w", p, err)
		}
		src, err := format.Source(b.Bytes())
		if err != nil {
			return fmt.Errorf("format the table of %s: %w", p, err)
		}
		name := strings.ReplaceAll(strings.TrimPrefix(p, "asyncgo/helpers/"), "/", "_") + ".go"
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeList writes one line per package: its import path, a tab, and its
// symbols separated by spaces.
func writeList(file string) error {
	var lines []string
	for _, table := range []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols} {
		for key, syms := range table {
			path := filepath.Dir(key)
			if path == "." || strings.HasPrefix(path, "github.com/traefik/") {
				continue
			}
			names := make([]string, 0, len(syms))
			for n := range syms {
				if !strings.HasPrefix(n, "_") {
					names = append(names, n)
				}
			}
			slices.Sort(names)
			lines = append(lines, path+"\t"+strings.Join(names, " "))
		}
	}
	slices.Sort(lines)
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
