package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// CacheDirEnv names the environment variable that sets where the kernel
// keeps the binaries it builds once per toolchain (the cell supervisor
// and the yaegi worker), for machines where several users share a
// prepared cache (the Docker image sets it).
const CacheDirEnv = "GOKERNEL_CACHE_DIR"

// CacheDir returns where the kernel keeps the binaries it builds once per
// toolchain: $GOKERNEL_CACHE_DIR, else gokernel's directory in the user
// cache.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory for gokernel: %w (set %s)", err, CacheDirEnv)
	}
	return filepath.Join(d, "gokernel"), nil
}

// CachedName returns the file name, in the kernel's cache, of a binary
// that prefix names and that is built from the files of fsys with the
// toolchain that toolchain names: prefix, a dash and a hash of both, so a
// new source or a new Go gets a binary of its own.
func CachedName(prefix, toolchain string, fsys fs.FS) (string, error) {
	h := sha256.New()
	h.Write([]byte(toolchain))
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read the source of %s: %w", prefix, err)
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil))[:20], nil
}

// A BackgroundBuild runs a build in the background at most once and
// stops it on Close, so that a kernel can start building a binary it will
// want later without waiting for it. The zero value is ready to use; its
// methods are safe for concurrent use.
type BackgroundBuild struct {
	mu      sync.Mutex
	started bool // by Start, or made impossible by Close
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start runs build in a goroutine of its own, unless Start or Close was
// called before. build's context is cancelled by Close.
func (b *BackgroundBuild) Start(build func(ctx context.Context)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return
	}
	b.started = true
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan struct{})
	go func() {
		defer close(b.done)
		build(ctx)
	}()
}

// Close cancels a build that Start started and waits for it to return;
// after Close, Start starts nothing.
func (b *BackgroundBuild) Close() {
	b.mu.Lock()
	b.started = true
	cancel, done := b.cancel, b.done
	b.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
