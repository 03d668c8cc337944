#!/usr/bin/env bash
# setup.sh builds gokernel, warms the Go build cache and installs the
# gokernel Jupyter kernel spec. docker/Dockerfile runs it as root while
# building the course image; CI runs it on a plain Debian host (as root) with
# the paths below pointed somewhere disposable, for example:
#
#   BIN_DIR=/tmp/x/bin GO_CACHE_ROOT=/tmp/x/go KERNEL_PREFIX=/tmp/x docker/setup.sh
#
# Usage: setup.sh [BIN_DIR]
#
# Settings (environment variables, with defaults):
#   ASYNCGO_SRC    repository root to build from    (this script's ../)
#   BIN_DIR        where the gokernel binary goes   (/usr/local/bin; or $1)
#   GO_CACHE_ROOT  Go caches shared by all users    (/opt/go-cache)
#   GOCACHE, GOMODCACHE, GOPATH, GOKERNEL_CACHE_DIR
#                  default to build/, mod/, path/ and gokernel/ under
#                  GO_CACHE_ROOT; the same values must be set when the
#                  kernel runs (the Dockerfile sets them with ENV), or the
#                  warm cache is not found.
#   KERNEL_PREFIX  install the kernel spec in KERNEL_PREFIX/share/jupyter
#                  (gokernel install --prefix); empty means --sys-prefix,
#                  the environment of the `jupyter` on PATH
#   KERNEL_NAME    kernel name                      (gokernel's default)
#   NO_WARM        1 skips warming the build cache  (0)
#                  (gokernel install --no-warm)
#   NO_GOPLS       1 skips installing gopls         (0)
#                  (gokernel install --no-gopls); gopls answers completion
#                  and documentation requests and goes to $GOPATH/bin,
#                  which must be on the notebook user's PATH (the
#                  Dockerfile puts /opt/go-cache/path/bin there)
#   NO_DLV         1 skips installing delve         (0)
#                  (gokernel install --no-dlv); delve runs cells under
#                  JupyterLab's debugger and goes beside gopls; the kernel
#                  spec says debugger true only when it is installed
#   OWNER          user:group given the Go caches, so the notebook user can
#                  write them ($NB_UID:$NB_GID, else 1000:100; empty skips;
#                  only applied when running as root)
set -euo pipefail

log() { printf 'setup.sh: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }
run() { log "+ $*"; "$@"; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ASYNCGO_SRC=${ASYNCGO_SRC:-$(dirname "$script_dir")}
BIN_DIR=${1:-${BIN_DIR:-/usr/local/bin}}
GO_CACHE_ROOT=${GO_CACHE_ROOT:-/opt/go-cache}
export GOCACHE=${GOCACHE:-$GO_CACHE_ROOT/build}
export GOMODCACHE=${GOMODCACHE:-$GO_CACHE_ROOT/mod}
export GOPATH=${GOPATH:-$GO_CACHE_ROOT/path}
# Where gokernel keeps what it builds once for everyone (the small cell
# supervisor and the yaegi worker; gokernel install builds both).
export GOKERNEL_CACHE_DIR=${GOKERNEL_CACHE_DIR:-$GO_CACHE_ROOT/gokernel}
# Pure Go everywhere: the image has no C compiler, and cells must build with
# the same settings as the warm cache.
export CGO_ENABLED=0
# Use the pinned toolchain, never download another, unless the caller chose
# one (CI sets GOTOOLCHAIN=go1.27.3 on a machine whose go is older).
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
KERNEL_PREFIX=${KERNEL_PREFIX:-}
KERNEL_NAME=${KERNEL_NAME:-}
NO_WARM=${NO_WARM:-0}
NO_GOPLS=${NO_GOPLS:-0}
NO_DLV=${NO_DLV:-0}
OWNER=${OWNER-${NB_UID:-1000}:${NB_GID:-100}}

[[ -f $ASYNCGO_SRC/go.mod ]] || fail "no go.mod in $ASYNCGO_SRC; set ASYNCGO_SRC to the asyncgo repository root"
command -v go >/dev/null || fail "no go command on PATH; install Go 1.27 (1.26 works too; the Dockerfile copies Go 1.27.3 to /usr/local/go)"
case $NO_WARM in 0 | 1) ;; *) fail "NO_WARM must be 0 or 1, not '$NO_WARM'" ;; esac
case $NO_GOPLS in 0 | 1) ;; *) fail "NO_GOPLS must be 0 or 1, not '$NO_GOPLS'" ;; esac
# gokernel install puts gopls where go install does: GOBIN when set, else
# GOPATH/bin. Use GOPATH/bin, shared by all users and on the image's PATH.
unset GOBIN

log "source:        $ASYNCGO_SRC"
log "gokernel:      $BIN_DIR/gokernel"
log "GOCACHE:       $GOCACHE"
log "GOMODCACHE:    $GOMODCACHE"
log "GOPATH:        $GOPATH"
if [[ -n $KERNEL_PREFIX ]]; then
	log "kernel spec:   $KERNEL_PREFIX/share/jupyter/kernels (--prefix)"
else
	log "kernel spec:   the environment of the jupyter on PATH (--sys-prefix)"
fi
run go version

# Cells built with %goflags -race need cgo, hence a C compiler; the course
# uses the race detector. Install one where none is (the Docker image).
if ! command -v gcc >/dev/null; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "installing gcc for the race detector (go build -race needs cgo)"
		run apt-get update -qq
		DEBIAN_FRONTEND=noninteractive run apt-get install -y -qq --no-install-recommends gcc libc6-dev
		rm -rf /var/lib/apt/lists/*
	else
		log "warning: no gcc: cells with %goflags -race will not build"
	fi
fi

run mkdir -p "$BIN_DIR" "$GOCACHE" "$GOMODCACHE" "$GOPATH" "$GOKERNEL_CACHE_DIR"

cd "$ASYNCGO_SRC"
log "building gokernel"
# -trimpath, as cells are built, so the standard library compiled here is
# reused by the warm-up below instead of compiled twice.
run go build -trimpath -o "$BIN_DIR/gokernel" ./kernel/cmd/gokernel
run "$BIN_DIR/gokernel" version

install_args=(install)
if [[ -n $KERNEL_PREFIX ]]; then
	install_args+=(--prefix "$KERNEL_PREFIX")
else
	command -v jupyter >/dev/null || fail "no jupyter on PATH for --sys-prefix; install Jupyter first or set KERNEL_PREFIX"
	install_args+=(--sys-prefix)
fi
if [[ -n $KERNEL_NAME ]]; then
	install_args+=(--name "$KERNEL_NAME")
fi
# gokernel install warms the build cache (the standard library and
# asyncgo/helpers, with the flags cells are built with) and builds the small
# cell supervisor and the yaegi worker into $GOKERNEL_CACHE_DIR, unless
# --no-warm.
if [[ $NO_WARM == 1 ]]; then
	install_args+=(--no-warm)
fi
# It also installs gopls into $GOPATH/bin unless --no-gopls: the newest
# release that supports the Go found (v0.24.0 for Go 1.27, v0.23.0 for 1.26;
# gokernel version names it).
if [[ $NO_GOPLS == 1 ]]; then
	install_args+=(--no-gopls)
fi
# And delve (dlv), for JupyterLab's debugger, beside gopls unless --no-dlv:
# the release gokernel is tested with (gokernel version names it).
if [[ $NO_DLV == 1 ]]; then
	install_args+=(--no-dlv)
fi
log "installing the kernel spec"
run "$BIN_DIR/gokernel" "${install_args[@]}"
if [[ $NO_WARM == 0 ]]; then
	# Each cell starts under the small supervisor; without it, cells start
	# under gokernel, which costs over ten milliseconds more per cell.
	compgen -G "$GOKERNEL_CACHE_DIR/cell-supervisor-*" >/dev/null ||
		fail "gokernel install did not build the cell supervisor in $GOKERNEL_CACHE_DIR"
fi

if command -v jupyter >/dev/null; then
	if [[ -n $KERNEL_PREFIX ]]; then
		JUPYTER_PATH="$KERNEL_PREFIX/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}" run jupyter kernelspec list
	else
		run jupyter kernelspec list
	fi
else
	log "jupyter is not on PATH; not listing kernel specs"
fi

if [[ -n $OWNER && $(id -u) == 0 ]]; then
	log "giving the Go caches to $OWNER, so the notebook user can build"
	run chown -R "$OWNER" "$GOCACHE" "$GOMODCACHE" "$GOPATH" "$GOKERNEL_CACHE_DIR"
fi
log "done"
