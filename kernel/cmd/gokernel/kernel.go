package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/jupyter"
	"asyncgo/kernel/runner"
	"asyncgo/kernel/server"
)

func runKernel(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	connFile := fs.String("connection-file", "", "the Jupyter connection `file` (Jupyter passes it)")
	debug := fs.Bool("debug", os.Getenv("GOKERNEL_DEBUG") != "", "log every message (also set by GOKERNEL_DEBUG=1)")
	if code := parseFlags(fs, args, stderr, "--connection-file FILE"); code >= 0 {
		return code
	}
	if *connFile == "" {
		fmt.Fprintln(stderr, "gokernel kernel: --connection-file is required; Jupyter passes it when it starts the kernel (see 'gokernel install')")
		return 2
	}
	info, err := jupyter.ReadConnectionFile(*connFile)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: %v\n", err)
		return 1
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	limit, err := outputLimit(os.Getenv("GOKERNEL_OUTPUT_LIMIT"))
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: GOKERNEL_OUTPUT_LIMIT: %v\n", err)
		return 2
	}
	maxMessage, err := sizeEnv(channel.MaxMessageEnv, channel.DefaultMaxMessage)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: %v\n", err)
		return 2
	}
	maxCell, err := sizeEnv(server.MaxCellEnv, server.DefaultMaxCell)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: %v\n", err)
		return 2
	}
	// Each cell runs under a supervisor, so nothing a cell starts outlives
	// it (see package runner/supervise): the small binary built once per
	// toolchain into the cache, or this binary until it is built. This
	// kernel keeps the one it starts with (server.Config.Supervisor is a
	// path); when the small one is not built yet, it is built in the
	// background for the kernels that start later.
	self, err := os.Executable()
	if err != nil {
		logger.Warn("cells run without a supervisor unless it is built: processes they start in a process group of their own may outlive them", "err", err)
		self = ""
	}
	supervisors := runner.NewSupervisors(runner.SupervisorOptions{Fallback: self, Built: func(bin string, err error) {
		if err != nil {
			logger.Warn("building the small cell supervisor failed: cells start under gokernel, which costs more per cell", "err", err)
			return
		}
		logger.Info("built the small cell supervisor for the kernels that start later", "bin", bin)
	}})
	defer supervisors.Close()
	supervisor := supervisors.Path()
	if removed, err := runner.RemoveStaleWorkspaces(""); err != nil {
		logger.Warn("cleaning up after kernels that died", "err", err)
	} else if len(removed) > 0 {
		logger.Info("removed the workspaces of kernels that died", "dirs", removed)
	}
	k, err := server.New(server.Config{Connection: info, Logger: logger, Version: version, OutputLimit: limit, MaxMessage: maxMessage, MaxCell: maxCell, Supervisor: supervisor})
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// A client that dies leaves the read end of our stderr closed: a
	// write must fail, not kill the kernel with SIGPIPE before it cleans up.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, orphaned := context.WithCancelCause(ctx)
	defer orphaned(nil)
	go watchParent(ctx, os.Getenv("JPY_PARENT_PID"), func(why string) {
		logger.Info("shutting down: " + why)
		orphaned(errors.New(why))
	})
	// interrupt_mode "signal": Jupyter sends SIGINT to interrupt the cell.
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-sigint:
				logger.Info("SIGINT: interrupting the running cell")
				k.Interrupt()
			}
		}
	}()
	if err := k.Serve(ctx); err != nil && ctx.Err() == nil {
		logger.Error("kernel stopped", "err", err)
		return 1
	}
	return 0
}

// parentPoll is how often the kernel checks that its parent is alive.
const parentPoll = 250 * time.Millisecond

// watchParent calls gone, once, when the process that started the kernel
// dies: the kernel's parent pid changes (it was re-parented), or the
// process named by jpyParent (JPY_PARENT_PID, which Jupyter clients set)
// no longer exists. It returns when ctx is done. A kernel outliving its
// client would hold the client's pipes and keep running cells nobody sees.
func watchParent(ctx context.Context, jpyParent string, gone func(why string)) {
	ppid := os.Getppid()
	client, _ := strconv.Atoi(jpyParent)
	t := time.NewTicker(parentPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if now := os.Getppid(); now != ppid {
			gone(fmt.Sprintf("the process that started the kernel (pid %d) ended", ppid))
			return
		}
		if client > 0 && !alive(client) {
			gone(fmt.Sprintf("the client that started the kernel (JPY_PARENT_PID %d) ended", client))
			return
		}
	}
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// sizeEnv reads a size (such as "256MiB") from the environment variable
// name; unset means def.
func sizeEnv(name string, def int) (int, error) {
	v := os.Getenv(name)
	if strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := outputLimit(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}
