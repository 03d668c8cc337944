package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"asyncgo/kernel/channel"
	"asyncgo/kernel/jupyter"
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
	// Each cell runs under this binary as its supervisor, so nothing a
	// cell starts outlives it (see runner.Supervise).
	self, err := os.Executable()
	if err != nil {
		logger.Warn("cells run without a supervisor: processes they start in a process group of their own may outlive them", "err", err)
		self = ""
	}
	k, err := server.New(server.Config{Connection: info, Logger: logger, Version: version, OutputLimit: limit, MaxMessage: maxMessage, MaxCell: maxCell, Supervisor: self})
	if err != nil {
		fmt.Fprintf(stderr, "gokernel kernel: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
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
