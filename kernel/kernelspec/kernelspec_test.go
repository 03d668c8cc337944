package kernelspec

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeBinary creates an executable file to stand for the gokernel binary.
func fakeBinary(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "gokernel")
	writeFile(t, exe, "#!/bin/sh\n", 0o755)
	return exe
}

// dataPlatform is a Linux platform whose Jupyter data directory is dir.
func dataPlatform(dir string) *Platform {
	return &Platform{GOOS: "linux", Home: "/nonexistent-home", LookupEnv: env(map[string]string{"JUPYTER_DATA_DIR": dir})}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"gokernel", true},
		{"Go-1.26_course.v2", true},
		{"a", true},
		{"", false},
		{".", false},
		{"..", false},
		{"go kernel", false},
		{"go/kernel", false},
		{`go\kernel`, false},
		{"gö", false},
		{"go~new", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestKernelsDir(t *testing.T) {
	data := t.TempDir()
	prefix := t.TempDir()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		want    string
		wantErr string
	}{
		{"user", Options{Platform: dataPlatform(data)}, filepath.Join(data, "kernels"), ""},
		{"prefix", Options{Scope: Prefix, Prefix: prefix, Platform: dataPlatform(data)}, filepath.Join(prefix, "share", "jupyter", "kernels"), ""},
		{"relative prefix is made absolute", Options{Scope: Prefix, Prefix: "rel", Platform: dataPlatform(data)}, filepath.Join(cwd, "rel", "share", "jupyter", "kernels"), ""},
		{"prefix needs a directory", Options{Scope: Prefix, Platform: dataPlatform(data)}, "", "--prefix needs a directory"},
		{"unknown scope", Options{Scope: Scope(9), Platform: dataPlatform(data)}, "", "unknown scope"},
		{"sys-prefix without jupyter", Options{Scope: SysPrefix, Platform: &Platform{GOOS: "linux", LookupEnv: env(map[string]string{"PATH": data})}}, "", "no `jupyter` command on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := KernelsDir(context.Background(), tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("KernelsDir() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("KernelsDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInstall(t *testing.T) {
	exe := fakeBinary(t)
	tests := []struct {
		name        string
		opts        func(root string) Options
		wantDir     func(root string) string
		wantDisplay string
	}{
		{
			name:        "user data dir, default name",
			opts:        func(root string) Options { return Options{Executable: exe, Platform: dataPlatform(root)} },
			wantDir:     func(root string) string { return filepath.Join(root, "kernels", "gokernel") },
			wantDisplay: "Go (gokernel)",
		},
		{
			name: "prefix, custom name",
			opts: func(root string) Options {
				return Options{Name: "go-course", Scope: Prefix, Prefix: root, Executable: exe, Platform: dataPlatform("/unused")}
			},
			wantDir:     func(root string) string { return filepath.Join(root, "share", "jupyter", "kernels", "go-course") },
			wantDisplay: "Go (go-course)",
		},
		{
			name: "explicit display name",
			opts: func(root string) Options {
				return Options{DisplayName: "  Go 1.26  ", Executable: exe, Platform: dataPlatform(root)}
			},
			wantDir:     func(root string) string { return filepath.Join(root, "kernels", "gokernel") },
			wantDisplay: "Go 1.26",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir, err := Install(context.Background(), tt.opts(root))
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.wantDir(root); dir != want {
				t.Errorf("Install() wrote to %q, want %q", dir, want)
			}
			spec, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := Spec{
				Argv:          []string{exe, "kernel", "--connection-file", "{connection_file}"},
				DisplayName:   tt.wantDisplay,
				Language:      "go",
				InterruptMode: "message",
				Metadata:      map[string]any{"debugger": false},
			}
			if !reflect.DeepEqual(spec, want) {
				t.Errorf("kernel.json = %+v, want %+v", spec, want)
			}
			checkLogos(t, dir)
			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o755 {
				t.Errorf("spec directory mode = %v, want 0755 so other users' Jupyter can read it", perm)
			}
		})
	}
}

// checkLogos checks that dir holds the three logos Jupyter looks for, at
// their sizes.
func checkLogos(t *testing.T, dir string) {
	t.Helper()
	for _, size := range []int{32, 64} {
		name := filepath.Join(dir, "logo-"+map[int]string{32: "32x32", 64: "64x64"}[size]+".png")
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", name, err)
		}
		if cfg.Width != size || cfg.Height != size {
			t.Errorf("%s is %dx%d, want %dx%d", name, cfg.Width, cfg.Height, size, size)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svg, []byte("<svg ")) {
		t.Errorf("logo-svg.svg does not start with <svg: %.40q", svg)
	}
}

func TestInstallIsIdempotent(t *testing.T) {
	root := t.TempDir()
	first, second := fakeBinary(t), fakeBinary(t)
	opts := Options{Executable: first, Platform: dataPlatform(root)}
	dir, err := Install(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// A file left in the old spec must not survive a reinstall.
	writeFile(t, filepath.Join(dir, "stale.txt"), "old", 0o644)
	opts.Executable = second
	dir2, err := Install(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if dir2 != dir {
		t.Errorf("second Install() wrote to %q, first to %q", dir2, dir)
	}
	spec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != second {
		t.Errorf("after reinstall argv[0] = %q, want the new binary %q", spec.Argv[0], second)
	}
	entries, err := os.ReadDir(filepath.Join(root, "kernels"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"gokernel"}) {
		t.Errorf("kernels directory holds %v, want only [gokernel] (no temporary or old specs)", names)
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name())
	}
	want := []string{"kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec directory holds %v, want %v", got, want)
	}
}

func TestInstallErrors(t *testing.T) {
	root := t.TempDir()
	exe := fakeBinary(t)
	readOnly := filepath.Join(root, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	goRun := filepath.Join(root, "go-build1234", "b001", "exe", "gokernel")
	writeFile(t, goRun, "", 0o755)
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"bad name", Options{Name: "go kernel", Executable: exe, Platform: dataPlatform(root)}, "invalid kernel name"},
		{"missing binary", Options{Executable: filepath.Join(root, "nope"), Platform: dataPlatform(root)}, "is not there"},
		{"binary is a directory", Options{Executable: root, Platform: dataPlatform(root)}, "not a regular file"},
		{"go run binary", Options{Executable: goRun, Platform: dataPlatform(root)}, "go run"},
	}
	if os.Geteuid() != 0 { // root can write anywhere
		tests = append(tests, struct {
			name    string
			opts    Options
			wantErr string
		}{"unwritable data dir", Options{Executable: exe, Platform: dataPlatform(filepath.Join(readOnly, "jupyter"))}, "cannot create the kernels directory"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := Install(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Install() = %q, %v; want an error containing %q", dir, err, tt.wantErr)
			}
		})
	}
}

func TestUninstall(t *testing.T) {
	root := t.TempDir()
	opts := Options{Executable: fakeBinary(t), Platform: dataPlatform(root)}
	dir, err := Install(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	other := opts
	other.Name = "other"
	if _, err := Install(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	removed, err := Uninstall(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if removed != dir {
		t.Errorf("Uninstall() removed %q, want %q", removed, dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Uninstall, stat %s: %v; want it gone", dir, err)
	}
	if _, err := Read(filepath.Join(root, "kernels", "other")); err != nil {
		t.Errorf("Uninstall removed another kernel's spec: %v", err)
	}
	if _, err := Uninstall(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "nothing to uninstall") {
		t.Errorf("second Uninstall() error = %v, want one saying nothing is installed", err)
	}
	// A directory without kernel.json is not a spec: leave it alone.
	stray := filepath.Join(root, "kernels", "stray")
	writeFile(t, filepath.Join(stray, "notes.txt"), "mine", 0o644)
	if _, err := Uninstall(context.Background(), Options{Name: "stray", Platform: dataPlatform(root)}); err == nil {
		t.Error("Uninstall removed a directory that holds no kernel.json")
	}
	if _, err := os.Stat(filepath.Join(stray, "notes.txt")); err != nil {
		t.Errorf("Uninstall touched a directory that is not a kernel spec: %v", err)
	}
}

func TestKernelJSONFieldNames(t *testing.T) {
	b, err := json.Marshal(NewSpec("/bin/gokernel", "Go (gokernel)"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"argv":["/bin/gokernel","kernel","--connection-file","{connection_file}"],"display_name":"Go (gokernel)","language":"go","interrupt_mode":"message","metadata":{"debugger":false}}`
	if string(b) != want {
		t.Errorf("kernel.json encoding:\n got %s\nwant %s", b, want)
	}
}

// TestJupyterFindsInstalledSpec installs into a temporary JUPYTER_DATA_DIR
// and asks the real `jupyter kernelspec list` whether it sees the spec.
func TestJupyterFindsInstalledSpec(t *testing.T) {
	root := t.TempDir()
	exe := fakeBinary(t)
	dir, err := Install(context.Background(), Options{Name: "gokernel-test", Executable: exe, Platform: dataPlatform(root)})
	if err != nil {
		t.Fatal(err)
	}
	out := runJupyter(t, []string{"JUPYTER_DATA_DIR=" + root}, "kernelspec", "list", "--json")
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
			Spec        Spec   `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("jupyter kernelspec list --json printed invalid JSON: %v\n%s", err, out)
	}
	got, ok := list.Kernelspecs["gokernel-test"]
	if !ok {
		t.Fatalf("jupyter kernelspec list does not show gokernel-test:\n%s", out)
	}
	if got.ResourceDir != dir {
		t.Errorf("jupyter sees the spec in %q, want %q", got.ResourceDir, dir)
	}
	if got.Spec.Argv[0] != exe || got.Spec.Language != "go" || got.Spec.DisplayName != "Go (gokernel-test)" {
		t.Errorf("jupyter reads the spec as %+v", got.Spec)
	}
}

// TestInstallKeepsSymlinkedExecutable checks that a link to the binary is
// recorded as given, so replacing the link's target upgrades the kernel.
func TestInstallKeepsSymlinkedExecutable(t *testing.T) {
	root := t.TempDir()
	link := filepath.Join(t.TempDir(), "gokernel-link")
	if err := os.Symlink(fakeBinary(t), link); err != nil {
		t.Fatal(err)
	}
	dir, err := Install(context.Background(), Options{Executable: link, Platform: dataPlatform(root)})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != link {
		t.Errorf("argv[0] = %q, want the link %q as given", spec.Argv[0], link)
	}
}

// TestInstallRunningBinary checks the default executable: the test binary
// itself, recorded by absolute path.
func TestInstallRunningBinary(t *testing.T) {
	root := t.TempDir()
	dir, err := Install(context.Background(), Options{Platform: dataPlatform(root)})
	if err != nil {
		if strings.Contains(err.Error(), "go run") {
			t.Skip("the test binary lives in a go-build directory:", err)
		}
		t.Fatal(err)
	}
	spec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != exe || !filepath.IsAbs(spec.Argv[0]) {
		t.Errorf("argv[0] = %q, want the running binary %q", spec.Argv[0], exe)
	}
}

// BenchmarkInstall measures a reinstall over an existing spec: write to a
// temporary directory, swap it in, remove the old one.
func BenchmarkInstall(b *testing.B) {
	root := b.TempDir()
	exe := filepath.Join(b.TempDir(), "gokernel")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		b.Fatal(err)
	}
	opts := Options{Executable: exe, Platform: dataPlatform(root)}
	for b.Loop() {
		if _, err := Install(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInstallDebugger checks that the spec's metadata says debugger only
// when Options.Debugger says delve is installed.
func TestInstallDebugger(t *testing.T) {
	exe := fakeBinary(t)
	for _, debugger := range []bool{false, true} {
		root := t.TempDir()
		dir, err := Install(context.Background(), Options{Executable: exe, Debugger: debugger, Platform: dataPlatform(root)})
		if err != nil {
			t.Fatal(err)
		}
		spec, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := spec.Metadata["debugger"]; got != debugger {
			t.Errorf("Options.Debugger %v: kernel.json metadata debugger %v", debugger, got)
		}
	}
}
