package httpserver_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/core"
)

// Finding 2 of issue 8: connections that announce a large Content-Length
// and send one byte. The handler reserved Content-Length + 1 bytes for
// each before any arrived.
func TestFinding2AnnouncedLengthNotReserved(t *testing.T) {
	svc := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)}, nil) // 6 MiB limit
	srv := httptest.NewServer(httpserver.Handler(svc))
	defer srv.Close()
	const conns, announced = 32, 6 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range conns {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", announced)
	}
	time.Sleep(500 * time.Millisecond) // every handler is waiting for the second byte
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("finding 2: %d connections announcing %d bytes, one sent: heap grew %d bytes", conns, announced, grew)
	if limit := int64(conns * 64 << 10); grew > limit {
		t.Errorf("heap grew %d bytes for %d one-byte bodies, limit %d", grew, conns, limit)
	}
}

// readEnvelope reads one HTTP reply from conn and returns its body.
func readReply(t *testing.T, conn net.Conn) (*http.Response, string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestSilentClient: a client that announces a body and sends nothing is
// answered once the idle timeout passes, not held for the whole read
// timeout.
func TestSilentClient(t *testing.T) {
	svc := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)}, nil)
	srv := httptest.NewServer(httpserver.Handler(svc, httpserver.BodyTimeouts(200*time.Millisecond, time.Minute)))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
	resp, body := readReply(t, conn)
	took := time.Since(start)
	if resp.StatusCode != 200 || !strings.Contains(body, `"Code":"InvalidParameter"`) || !strings.Contains(body, "timeout") {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
	if took > 3*time.Second {
		t.Errorf("answered after %s, want about the 200ms idle timeout", took)
	}
}

// TestInflightBudget: bodies held by requests in flight share a budget; a
// request that would pass it is answered RequestLimitExceeded, and the
// budget is free again once requests finish.
func TestInflightBudget(t *testing.T) {
	svc := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)}, nil)
	h := httpserver.Handler(svc, httpserver.MaxInflightBytes(1<<20))
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string) string {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("status %d", resp.StatusCode)
		}
		return string(b)
	}
	// A holds 800 KB of a 900 KB body.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 900_000)
	conn.Write([]byte(strings.Repeat(" ", 800_000)))

	// Wait until the server has read A's 800 KB (its buffer then holds
	// 900,001 bytes of the budget); on a loaded machine that can take a while.
	for end := time.Now().Add(10 * time.Second); httpserver.InflightBytes(h) < 900_001; {
		if time.Now().After(end) {
			t.Fatalf("the server holds %d bytes of A's body after 10s", httpserver.InflightBytes(h))
		}
		time.Sleep(10 * time.Millisecond)
	}
	big := strings.Repeat(" ", 300_000) + "{}"
	if got := post(big); !strings.Contains(got, `"Code":"RequestLimitExceeded"`) {
		t.Errorf("a 300 KB request beside 800 KB in flight, budget 1 MiB: %s", got)
	}
	conn.Write([]byte(strings.Repeat(" ", 100_000)))
	if _, body := readReply(t, conn); strings.Contains(body, "RequestLimitExceeded") {
		t.Errorf("the request within the budget: %s", body)
	}
	if got := post(big); strings.Contains(got, "RequestLimitExceeded") {
		t.Errorf("after the first finished: %s", got)
	}
}

// TestKeepAliveAfterBody: the body's read deadline does not outlive it
// (net/http resets the connection's deadline between requests): a
// kept-alive connection idle for longer than the idle timeout still takes
// its next request.
func TestKeepAliveAfterBody(t *testing.T) {
	svc := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)}, nil)
	srv := httptest.NewServer(httpserver.Handler(svc, httpserver.BodyTimeouts(100*time.Millisecond, time.Minute)))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 2 {
		fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
		if resp, body := readReply(t, conn); resp.StatusCode != 200 || !strings.Contains(body, `"Code":"MissingParameter"`) {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
