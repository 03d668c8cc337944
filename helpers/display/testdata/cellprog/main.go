// Command cellprog is a cell-like program for the tests of package display:
// it uses the package as a notebook cell would, in the mode named by its
// first argument.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"asyncgo/helpers/display"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cellprog demo|concurrent|input")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "demo":
		demo()
	case "concurrent":
		concurrent()
	case "input":
		input()
	default:
		fmt.Fprintf(os.Stderr, "cellprog: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

type point struct{ X, Y int }

// demo calls each kind of function once, between prints.
func demo() {
	fmt.Println("start")
	display.Show(point{1, 2})
	fmt.Print("no newline, then ")
	display.SVG(`<svg xmlns="http://www.w3.org/2000/svg"/>`)
	display.HTML("<p>Hello, <b>notebook</b></p>")
	display.Markdown("# Title")
	display.Text("text")
	display.PNG([]byte("\x89PNG\r\n\x1a\n"))
	display.JPEG([]byte("\xff\xd8\xff\xe0"))
	display.JSON([]int{1, 2})
	display.ShowData(display.Data{MIME: map[string]any{"text/plain": "p", "text/html": "<i>p</i>"}, Metadata: map[string]any{"isolated": true}})
	h := display.HandleWithID("bar")
	h.Show("0%")
	h.Update("100%")
	display.Clear(true)
	display.Result(1, "two")
	display.PNG([]byte("not a png"))
	fmt.Println("end")
}

// concurrent prints and shows numbered lines from several goroutines.
func concurrent() {
	const goroutines, steps = 4, 100
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range steps {
				line := "g" + strconv.Itoa(g) + " " + strconv.Itoa(i)
				if i%2 == 0 {
					fmt.Println(line)
				} else {
					display.Show(line)
				}
			}
		})
	}
	wg.Wait()
}

// input asks for a name and a password and prints what it got.
func input() {
	name, err := display.Input("name? ")
	fmt.Printf("name %q err %v\n", name, err)
	secret, err := display.Password("password? ")
	fmt.Printf("password %q err %v\n", secret, err)
}
