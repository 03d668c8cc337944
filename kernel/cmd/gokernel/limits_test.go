package main_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"

	"asyncgo/kernel/client"
)

// TestOversizedFrameHeader: a peer that completes the ZMTP greeting and
// declares a 1 TiB frame, without any key, loses its connection; the
// kernel allocates nothing for it and runs the next cell.
func TestOversizedFrameHeader(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	conn, err := net.Dial("tcp", net.JoinHostPort(k.info.IP, strconv.Itoa(k.info.ShellPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := zmq4.Open(conn, null.Security(), zmq4.Dealer, zmq4.SocketIdentity("attacker"), false, nil); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 9)
	hdr[0] = 0x02 // a long frame
	binary.BigEndian.PutUint64(hdr[1:], 1<<40)
	conn.Write(hdr)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the kernel kept the connection open: %v", err)
	}
	if got := stdout(k.exec(`fmt.Println("still here")`)); got != "still here\n" {
		t.Fatalf("cell after the 1 TiB header printed %q\nkernel log:\n%s", got, k.stderr.String())
	}
	if !strings.Contains(k.stderr.String(), "GOKERNEL_MAX_MESSAGE") {
		t.Errorf("the kernel log does not say which limit dropped the connection:\n%s", k.stderr.String())
	}
}

// TestCellSizeLimit: a cell over GOKERNEL_MAX_CELL is refused with an
// error that says what to do, and counts as executed; the next runs.
func TestCellSizeLimit(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp", "GOKERNEL_MAX_CELL=64KiB")
	big := "// " + strings.Repeat("x", 70<<10) + "\nfmt.Println(\"big\")"
	e := k.exec(big)
	if e.Status != "error" || e.EName != "CellTooLarge" || !strings.Contains(e.EValue, "GOKERNEL_MAX_CELL") || !strings.Contains(e.EValue, "64.0 KiB") {
		t.Fatalf("status %s, %s: %s; want a CellTooLarge error naming the limit", e.Status, e.EName, e.EValue)
	}
	if got := outputTypes(e); strings.Join(got, ",") != "error" {
		t.Errorf("outputs %v, want one error", got)
	}
	next := k.exec(`fmt.Println("small")`)
	if stdout(next) != "small\n" || next.ExecutionCount != e.ExecutionCount+1 {
		t.Errorf("next cell: stdout %q count %d after %d", stdout(next), next.ExecutionCount, e.ExecutionCount)
	}
}

// BenchmarkLargeCellMemory sends cells of 10 MiB and 50 MiB (refused by
// the 4 MiB default limit) and reports the kernel's resident memory
// before and after each.
func BenchmarkLargeCellMemory(b *testing.B) {
	c, cmd := benchKernel(b)
	runCell(b, c, `fmt.Println("warm")`)
	idle := residentMiB(cmd.Process.Pid)
	var after [2]float64
	for range b.N {
		for i, mib := range []int{10, 50} {
			code := "// " + strings.Repeat("x", mib<<20) + "\n"
			e, err := c.Execute(context.Background(), code, client.NewExecuteOptions())
			if err != nil || e.EName != "CellTooLarge" {
				b.Fatalf("%d MiB cell: %v %s", mib, err, e.EName)
			}
			time.Sleep(200 * time.Millisecond)
			after[i] = residentMiB(cmd.Process.Pid)
		}
	}
	b.ReportMetric(idle, "idle-RSS-MiB")
	b.ReportMetric(after[0], "after-10MiB-RSS-MiB")
	b.ReportMetric(after[1], "after-50MiB-RSS-MiB")
	fmt.Printf("kernel RSS: idle %.0f MiB, after a 10 MiB cell %.0f MiB, after a 50 MiB cell %.0f MiB\n", idle, after[0], after[1])
}

// TestCellsSavedOnWindows: CRLF line endings and a leading byte order mark
// are accepted, and a raw string loses its carriage returns, as in Go.
func TestCellsSavedOnWindows(t *testing.T) {
	t.Parallel()
	k := startKernel(t, "tcp")
	tests := []struct{ name, code, want string }{
		{"CRLF raw string", "const s = `a\r\nb`\r\nfmt.Printf(\"%q\\n\", s)\r\n", "\"a\\nb\"\n"},
		{"byte order mark", "\uFEFFfmt.Println(\"bom\")", "bom\n"},
		{"both, with a declaration", "\uFEFFfunc twice(s string) string {\r\n\treturn s + s\r\n}\r\nfmt.Println(twice(`x\r\n`))\r\n", "x\nx\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := k.exec(tt.code)
			if e.Status != "ok" || stdout(e) != tt.want {
				t.Errorf("status %s %s: %s, stdout %q; want %q", e.Status, e.EName, e.EValue, stdout(e), tt.want)
			}
		})
	}
}
