package cell_test

import (
	"fmt"
	"strings"
	"testing"

	"asyncgo/kernel/cell"
)

// benchSession returns a session remembering n declarations of every kind,
// spread over cells of ten declarations each.
func benchSession(b *testing.B, n int) *cell.Session {
	b.Helper()
	s := cell.NewSession()
	var src strings.Builder
	for i := range n {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&src, "type T%d struct{ mu sync.Mutex; n int }\n", i)
		case 1:
			fmt.Fprintf(&src, "func (t *T%d) Inc() { t.mu.Lock(); defer t.mu.Unlock(); t.n++ }\n", i-1)
		case 2:
			fmt.Fprintf(&src, "func f%d(ctx context.Context, s string) string {\n\tselect {\n\tcase <-ctx.Done():\n\t\treturn \"\"\n\tdefault:\n\t}\n\treturn strings.ToUpper(s) + strconv.Itoa(%d)\n}\n", i, i)
		case 3:
			fmt.Fprintf(&src, "var (\n\tv%d = time.Second\n\tw%d = errors.New(\"w\")\n)\n", i, i)
		case 4:
			fmt.Fprintf(&src, "const c%d = %d\n", i, i)
		}
		if i%10 == 9 {
			c, err := cell.Parse(src.String())
			if err != nil {
				b.Fatal(err)
			}
			s.Commit(c, fmt.Sprintf("In[%d]", i/10+1))
			src.Reset()
		}
	}
	return s
}

func BenchmarkGenerate200(b *testing.B) {
	s := benchSession(b, 200)
	c, err := cell.Parse("ctx := context.Background()\nt := &T0{}\nt.Inc()\nfmt.Println(f2(ctx, \"x\"), v3, c4)\nt.n")
	if err != nil {
		b.Fatal(err)
	}
	opts := cell.GenerateOptions{DisplayValue: true}
	if _, err := s.Generate(c, "In[21]", opts); err != nil { // loads the standard-library index
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Generate(c, "In[21]", opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src := "import \"sync\"\ntype Counter struct {\n\tmu sync.Mutex\n\tn  int\n}\nfunc (c *Counter) Inc() {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tc.n++\n}\nvar c Counter\nvar wg sync.WaitGroup\nfor range 10 {\n\twg.Go(c.Inc)\n}\nwg.Wait()\nc.n"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cell.Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStdlibIndex(b *testing.B) {
	c, err := cell.Parse("strings.ToUpper(\"x\")")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := cell.NewSession().Generate(c, "In[1]", cell.GenerateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
