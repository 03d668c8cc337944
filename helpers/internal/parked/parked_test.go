package parked_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"asyncgo/helpers/internal/parked"
)

// blocker makes goroutines park: park blocks until release is called.
type blocker struct {
	park, release func()
}

func mutex() blocker {
	var mu sync.Mutex
	mu.Lock()
	return blocker{park: func() { mu.Lock(); mu.Unlock() }, release: mu.Unlock}
}

func TestAwait(t *testing.T) {
	// The cases park on a mutex: the testing package's own goroutines
	// wait on channels, never on one.
	tests := []struct {
		name    string
		blocker func() blocker
		reason  string
		n       int
		wantErr string
	}{
		{"all parked", mutex, "sync.Mutex.Lock", 3, ""},
		{"fewer than parked", mutex, "sync.Mutex.Lock", 1, ""},
		{"more than parked", mutex, "sync.Mutex.Lock", 4, `3 goroutines parked in "sync.Mutex.Lock"`},
		{"other reason", mutex, "sync.RWMutex.Lock", 1, `0 goroutines parked in "sync.RWMutex.Lock"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.blocker()
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(b.park)
			}
			err := parked.Await(tt.n, tt.reason, 100*time.Millisecond)
			b.release()
			wg.Wait()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Await = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
