package runner

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nonce makes this run's programs new to the build cache: a go build
// whose main package comes from the cache compiles nothing and records
// no plan.
var nonce = fmt.Sprint(time.Now().UnixNano())

// infoProgram prints what makes a binary the program it is: its Go
// version, build information and GODEBUG defaults. tag keeps programs
// apart.
func infoProgram(tag string) string {
	return `package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func main() {
	fmt.Println("` + tag + `")
	fmt.Println(runtime.Version())
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("no build info")
		return
	}
	fmt.Println(bi.Main.Path, bi.Path, bi.GoVersion)
	for _, s := range bi.Settings {
		fmt.Println(s.Key, "=", s.Value)
	}
}

// ` + tag + "\n// " + nonce + "\n"
}

var buildDir = regexp.MustCompile(`asyncgo/b[0-9]+`)

// runBin runs a built program and returns its output, with its build
// directory's name (which differs between any two builds) left out.
func runBin(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("run %s: %v\n%s", bin, err, out)
	}
	return buildDir.ReplaceAllString(string(out), "asyncgo/bN")
}

// runInfo runs a program of infoProgram(tag), checks that it is that
// program, and returns what it prints but its tag.
func runInfo(t *testing.T, bin, tag string) string {
	t.Helper()
	out := runBin(t, bin)
	first, rest, _ := strings.Cut(out, "\n")
	if first != tag {
		t.Fatalf("the program of %q prints %q first: a binary of another program", tag, first)
	}
	return rest
}

func buildOK(t *testing.T, w *Workspace, b Build) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := w.Build(ctx, b)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func newTestWorkspace(t *testing.T) *Workspace {
	t.Helper()
	w, err := NewWorkspace(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestReplaySameProgram(t *testing.T) {
	w := newTestWorkspace(t)
	viaGo := runInfo(t, buildOK(t, w, Build{Source: []byte(infoProgram("1"))}), "1")
	if s := w.Stats(); s.GoBuilds != 1 || s.Replays != 0 {
		t.Fatalf("first build: %+v, want one go build", s)
	}
	replayed := runInfo(t, buildOK(t, w, Build{Source: []byte(infoProgram("2"))}), "2")
	if s := w.Stats(); s.GoBuilds != 1 || s.Replays != 1 || s.Fallbacks != 0 {
		t.Fatalf("second build, same imports: %+v, want a replay", s)
	}
	if replayed != viaGo {
		t.Errorf("the replayed program prints\n%s\nthe go command's\n%s", replayed, viaGo)
	}
	if !strings.Contains(viaGo, w.Toolchain().Version) || !strings.Contains(viaGo, "asyncgo/bN") {
		t.Errorf("the program prints\n%s\nwant the toolchain's version and the main package's path", viaGo)
	}

	// A new import: the go command builds it and records its plan.
	withStrings := strings.Replace(infoProgram("3"), `"fmt"`, "\"fmt\"\n\t\"strings\"", 1)
	withStrings = strings.Replace(withStrings, "fmt.Println(runtime.Version())", "fmt.Println(strings.ToUpper(runtime.Version()))", 1)
	buildOK(t, w, Build{Source: []byte(withStrings)})
	if s := w.Stats(); s.GoBuilds != 2 || s.Replays != 1 {
		t.Fatalf("a new import: %+v, want a go build", s)
	}
	buildOK(t, w, Build{Source: []byte(strings.Replace(withStrings, "// 3", "// 4", 1))})
	if s := w.Stats(); s.GoBuilds != 2 || s.Replays != 2 {
		t.Fatalf("the new import again: %+v, want a replay", s)
	}
}

func TestReplayFallsBack(t *testing.T) {
	w := newTestWorkspace(t)
	buildOK(t, w, Build{Source: []byte(infoProgram("fallback 1"))})
	want := runInfo(t, buildOK(t, w, Build{Source: []byte(infoProgram("fallback 2"))}), "fallback 2")
	// An archive gone from the build cache (go clean -cache).
	w.mu.Lock()
	if len(w.plans) != 1 {
		t.Fatalf("%d plans, want 1", len(w.plans))
	}
	for _, p := range w.plans {
		re := regexp.MustCompile(`(?m)^(packagefile fmt=)(.*)$`)
		if !re.MatchString(p.importcfgLink) {
			t.Fatalf("no fmt in the importcfg:\n%s", p.importcfgLink)
		}
		p.importcfgLink = re.ReplaceAllString(p.importcfgLink, "${1}${2}-gone")
	}
	w.mu.Unlock()
	got := runInfo(t, buildOK(t, w, Build{Source: []byte(infoProgram("fallback 3"))}), "fallback 3")
	if s := w.Stats(); s.GoBuilds != 2 || s.Replays != 1 || s.Fallbacks != 1 {
		t.Fatalf("a stale plan: %+v, want a fallback to go build", s)
	}
	if got != want {
		t.Errorf("after the fallback the program prints\n%s\nwant\n%s", got, want)
	}
	// The stale plan went; the next build records a new one.
	buildOK(t, w, Build{Source: []byte(infoProgram("fallback 4"))})
	buildOK(t, w, Build{Source: []byte(infoProgram("fallback 5"))})
	if s := w.Stats(); s.GoBuilds != 3 || s.Replays != 2 {
		t.Fatalf("after the fallback: %+v, want a go build, then a replay", s)
	}
}

func TestReplayOnlyPlainBuilds(t *testing.T) {
	w := newTestWorkspace(t)
	for i, tag := range []string{"1", "2"} {
		buildOK(t, w, Build{Source: []byte(infoProgram(tag)), Flags: []string{"-tags=replaytest"}})
		if s := w.Stats(); s.GoBuilds != i+1 || s.Replays != 0 {
			t.Fatalf("build %d with a flag: %+v, want go builds only", i+1, s)
		}
	}
	env := BuildEnv(nil, nil)
	for _, b := range []Build{
		{Source: []byte(infoProgram("1")), Flags: []string{"-race"}},
		{Source: []byte(infoProgram("1")), Env: []string{"CGO_ENABLED=1"}},
		{Source: []byte("package main\n\nimport \"C\"\n\nfunc main() {}\n")},
		{Source: []byte("package main\n\nimport _ \"embed\"\n\n//go:embed main.go\nvar s string\n\nfunc main() {}\n")},
		{Source: []byte("package main\n\n//go:noinline\nfunc f() {}\n\nfunc main() { f() }\n")},
	} {
		if _, _, ok := w.replayable(b, env); ok {
			t.Errorf("replayable: %s %v %v", b.Source, b.Flags, b.Env)
		}
	}
	if _, _, ok := w.replayable(Build{Source: []byte(infoProgram("1"))}, env); !ok {
		t.Error("a plain program is not replayable")
	}
}

// TestReplayCompileError: a program the compiler refuses fails the same
// way whether a plan exists or not.
func TestReplayCompileError(t *testing.T) {
	broken := func(tag string) Build {
		return Build{Source: []byte("package main\n\nimport \"fmt\"\n\nfunc main() {\n//line In[3]:1:1\n\tvar x int = \"s\" // " + tag + "\n\tfmt.Println(x)\n}\n// " + nonce + "\n")}
	}
	buildErr := func(w *Workspace, b Build) string {
		t.Helper()
		_, err := w.Build(context.Background(), b)
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("build error %v, want a *BuildError", err)
		}
		return buildDir.ReplaceAllString(string(be.Output), "asyncgo/bN")
	}
	fresh := newTestWorkspace(t)
	want := buildErr(fresh, broken("1"))
	if !strings.Contains(want, "In[3]:1:") {
		t.Fatalf("the go command's output names no cell position:\n%s", want)
	}

	w := newTestWorkspace(t)
	hello := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n// " + nonce + "\n"
	buildOK(t, w, Build{Source: []byte(hello)})
	got := buildErr(w, broken("1"))
	if s := w.Stats(); s.Fallbacks != 1 {
		t.Fatalf("%+v: the broken program was not replayed", s)
	}
	if got != want {
		t.Errorf("replayed, the build fails with\n%s\nwant (go build)\n%s", got, want)
	}
	// A compile error leaves the plan.
	buildOK(t, w, Build{Source: []byte(hello + "// 2\n")})
	if s := w.Stats(); s.GoBuilds != 1 || s.Replays != 1 {
		t.Fatalf("%+v: the program after a compile error was not replayed", s)
	}
}

// TestReplayCachedMain: a go build that took main's archive from the
// build cache compiled nothing, so the plan's compile command comes from
// go build -n -a.
func TestReplayCachedMain(t *testing.T) {
	first := newTestWorkspace(t)
	want := runInfo(t, buildOK(t, first, Build{Source: []byte(infoProgram("cached 1"))}), "cached 1")
	w := newTestWorkspace(t)
	buildOK(t, w, Build{Source: []byte(infoProgram("cached 1"))})
	got := runInfo(t, buildOK(t, w, Build{Source: []byte(infoProgram("cached 2"))}), "cached 2")
	if s := w.Stats(); s.GoBuilds != 1 || s.Replays != 1 {
		t.Fatalf("%+v, want a go build from the cache, then a replay", s)
	}
	if got != want {
		t.Errorf("the replayed program prints\n%s\nwant\n%s", got, want)
	}
}
