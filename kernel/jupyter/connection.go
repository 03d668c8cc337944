package jupyter

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// SignatureScheme is the only HMAC scheme this package signs with.
const SignatureScheme = "hmac-sha256"

// ConnectionInfo is the content of a Jupyter connection file: where the
// kernel's five sockets listen and how messages are signed.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and validates the connection file at path.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: reading connection file: %w", err)
	}
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: connection file %s is not valid JSON: %w", path, err)
	}
	if err := info.Validate(); err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: connection file %s: %w", path, err)
	}
	return info, nil
}

// Validate reports whether c describes sockets this package can serve: the
// transport is tcp or ipc, the address is set, every port is in range and
// distinct, and messages are signed with hmac-sha256 (or, with an empty key,
// not signed at all).
func (c ConnectionInfo) Validate() error {
	switch c.Transport {
	case "tcp", "ipc":
	default:
		return fmt.Errorf("transport %q is not supported; use \"tcp\" or \"ipc\"", c.Transport)
	}
	if c.IP == "" {
		return errors.New(`"ip" is empty; set it to an address such as 127.0.0.1 (tcp) or a path prefix (ipc)`)
	}
	ports := []struct {
		name string
		port int
	}{
		{"shell_port", c.ShellPort}, {"control_port", c.ControlPort}, {"iopub_port", c.IOPubPort},
		{"stdin_port", c.StdinPort}, {"hb_port", c.HBPort},
	}
	seen := make(map[int]string)
	for _, p := range ports {
		if p.port <= 0 || p.port > 65535 {
			return fmt.Errorf("%s is %d; it must be between 1 and 65535", p.name, p.port)
		}
		if other, dup := seen[p.port]; dup {
			return fmt.Errorf("%s and %s are both %d; every socket needs its own port", other, p.name, p.port)
		}
		seen[p.port] = p.name
	}
	if c.Key != "" && c.SignatureScheme != SignatureScheme {
		return fmt.Errorf("signature_scheme %q is not supported; use %q", c.SignatureScheme, SignatureScheme)
	}
	return nil
}

// Endpoint returns the ZeroMQ endpoint of port: "tcp://IP:PORT", or for the
// ipc transport "ipc://IP-PORT", the file naming convention of Jupyter.
func (c ConnectionInfo) Endpoint(port int) string {
	if c.Transport == "ipc" {
		return "ipc://" + c.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + net.JoinHostPort(c.IP, strconv.Itoa(port))
}

// NewConnectionInfo returns connection details for a new kernel, for clients
// and tests that start kernels: a random key with hmac-sha256 signing and, for
// tcp, five free ports on 127.0.0.1. For ipc it creates a fresh directory
// under os.TempDir and uses ports 1 to 5 below a path prefix in it; the
// caller removes that directory, filepath.Dir(info.IP), when done.
//
// Free tcp ports are found by binding port 0 and releasing it, so another
// process may take one before the kernel binds it; the kernel then fails
// to start with an error naming the port.
func NewConnectionInfo(transport string) (ConnectionInfo, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return ConnectionInfo{}, fmt.Errorf("jupyter: generating a key: %w", err)
	}
	info := ConnectionInfo{
		Transport:       transport,
		SignatureScheme: SignatureScheme,
		Key:             hex.EncodeToString(key),
	}
	var ports [5]int
	switch transport {
	case "tcp":
		info.IP = "127.0.0.1"
		var listeners []net.Listener
		defer func() {
			for _, l := range listeners {
				l.Close()
			}
		}()
		for i := range ports {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return ConnectionInfo{}, fmt.Errorf("jupyter: finding a free port on 127.0.0.1: %w", err)
			}
			listeners = append(listeners, l)
			ports[i] = l.Addr().(*net.TCPAddr).Port
		}
	case "ipc":
		dir, err := os.MkdirTemp("", "gokernel-ipc-")
		if err != nil {
			return ConnectionInfo{}, fmt.Errorf("jupyter: creating a directory for ipc sockets: %w", err)
		}
		info.IP = filepath.Join(dir, "kernel")
		ports = [5]int{1, 2, 3, 4, 5}
	default:
		return ConnectionInfo{}, fmt.Errorf("jupyter: transport %q is not supported; use \"tcp\" or \"ipc\"", transport)
	}
	info.ShellPort, info.ControlPort, info.IOPubPort, info.StdinPort, info.HBPort = ports[0], ports[1], ports[2], ports[3], ports[4]
	return info, nil
}

// WriteFile writes c as a connection file at path, readable only by its
// owner because it holds the signing key.
func (c ConnectionInfo) WriteFile(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("jupyter: encoding connection info: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("jupyter: writing connection file: %w", err)
	}
	return nil
}
