package server

import (
	"runtime"

	"asyncgo/kernel/typecheck"
)

// noticeNewerGo says once, on the standard error of the first cell with
// code, when the Go that builds cells is a newer release than gokernel
// was built with: go/types cannot read its packages, so the kernel checks
// no cell (see typecheck.NewerGoError), and rebuilding gokernel fixes it.
func (k *Kernel) noticeNewerGo(out *output) {
	k.newerGoOnce.Do(func() {
		tc := k.ws.Toolchain()
		if !tc.NewerThanKernel() {
			return
		}
		err := &typecheck.NewerGoError{Built: runtime.Version(), Go: tc.Version}
		out.stream("stderr", []byte("gokernel: "+err.Error()+"\n"))
	})
}
