package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// The key the hostile tests' server knows. SecretIds are not secret: they
// travel in every request, so the attacks below may use it.
const (
	hostileID  = "AKIDhostile"
	hostileKey = "hostileSecretKey0123456789abcdef"
)

// Bounds the server must stay within while it is attacked: its peak
// resident memory, and how long any reply may take (silent clients are
// answered after the 5 s body idle timeout).
const (
	maxPeakRSS = 200 << 20
	maxMapped  = 512 << 20 // VmData
	maxReply   = 10 * time.Second
)

// TestHostileRequests starts the HTTP binary and replays each finding of
// issue 8's security review against it, scaled to run in CI, checking
// every answer, how long it took and, at the end, the process's peak
// resident memory (VmHWM). Before the fixes, finding 1 alone took the
// server past 300 MB, finding 2 past 1 GB and finding 3 took a minute.
func TestHostileRequests(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the server's memory")
	}
	s := start(t, "DATAHUB_CREDENTIALS="+hostileID+":"+hostileKey, "DATAHUB_ACCESS_POINTS=datahub-a=a,datahub-b=b", "LOG_LEVEL=ERROR")
	host := strings.TrimPrefix(s.endpoint, "http://")
	host = strings.TrimSuffix(host, "/")
	pid := s.cmd.Process.Pid
	t.Logf("server after start: peak RSS %d bytes, VmData %d bytes", peakRSS(t, pid), heapMapped(t, pid))

	timed := func(name string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		took := time.Since(start)
		t.Logf("%s: %s, server peak RSS %d bytes, VmData %d bytes", name, took, peakRSS(t, pid), heapMapped(t, pid))
		if took > maxReply {
			t.Errorf("%s: took %s, limit %s", name, took, maxReply)
		}
	}

	t.Run("finding 1: repeated SignedHeaders", func(t *testing.T) {
		auth := "TC3-HMAC-SHA256 Credential=" + hostileID + "/" + time.Now().UTC().Format(time.DateOnly) + "/ckafka/tc3_request, SignedHeaders=content-type;host" +
			strings.Repeat(";x-a", 5000) + ", Signature=" + strings.Repeat("0", 64)
		timed("finding 1, 50 KB of headers", func() {
			r, _ := post(t, s.endpoint, `{}`, map[string]string{"Authorization": auth, "X-A": strings.Repeat("a", 30000),
				"X-TC-Timestamp": strconv.FormatInt(time.Now().Unix(), 10)})
			wantError(t, r, "AuthFailure.InvalidAuthorization")
		})
		// The review's full size, 140 KB of headers: over MaxHeaderBytes,
		// refused by net/http before the handler.
		timed("finding 1, 140 KB of headers", func() {
			req, _ := http.NewRequest("POST", s.endpoint, strings.NewReader(`{}`))
			req.Header.Set("Authorization", strings.Replace(auth, strings.Repeat(";x-a", 5000), strings.Repeat(";x-a", 10000), 1))
			req.Header.Set("X-A", strings.Repeat("a", 100000))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("status %d, want 431", resp.StatusCode)
			}
		})
	})

	t.Run("finding 2: announced bodies", func(t *testing.T) {
		const conns, announced = 200, 6 << 20
		var open []net.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		timed(fmt.Sprintf("finding 2, %d connections announcing %d bytes, sending one", conns, announced), func() {
			for range conns {
				c, err := net.Dial("tcp", host)
				if err != nil {
					t.Fatal(err)
				}
				open = append(open, c)
				fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", host, announced)
			}
			time.Sleep(time.Second) // every handler waits for its second byte
		})
		// Each is answered once it has sent nothing for the idle timeout.
		timed("finding 2, the reply to a silent client", func() {
			r := readEnvelope(t, open[0])
			wantError(t, r, "InvalidParameter")
		})
		// A client that sends no headers at all is dropped.
		timed("a client that sends nothing", func() {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(maxReply))
			if n, err := c.Read(make([]byte, 1)); err == nil || n > 0 {
				t.Errorf("read %d bytes, %v: want the connection closed", n, err)
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Errorf("still open after %s", maxReply)
			}
		})
	})

	t.Run("finding 3: legacy body of '&'", func(t *testing.T) {
		params := legacyParams(map[string]string{"DataHubId": "datahub-a", "Message.0.Body": strings.Repeat("&", 900_000)})
		timed("finding 3, 2.7 MB form", func() {
			r := postForm(t, s.endpoint, signLegacy(host, "/", params))
			if r.Response.Error != nil || len(r.Response.MessageId) != 1 {
				t.Errorf("got %+v", r.Response.Error)
			}
		})
	})

	t.Run("finding 4: a legacy request moved to another access point", func(t *testing.T) {
		victim := legacyParams(map[string]string{"DataHubId": "datahub-a", "Message.0.Body": "see you?DataHubId=datahub-b&Message.0.Body=pwned"})
		signed := signLegacy(host, "/", victim)
		if r := postForm(t, s.endpoint, signed); r.Response.Error != nil {
			t.Fatalf("the victim's request: %+v", r.Response.Error)
		}
		moved := maps.Clone(signed)
		for _, k := range []string{"Action", "DataHubId", "Message.0.Body"} {
			delete(moved, k)
		}
		moved.Set("DataHubId", "datahub-b")
		moved.Set("Message.0.Body", "pwned")
		req, _ := http.NewRequest("POST", s.endpoint+"%3FAction=SendMessage&DataHubId=datahub-a&Message.0.Body=see%20you", strings.NewReader(moved.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-TC-Action", "SendMessage")
		timed("finding 4", func() {
			wantError(t, do(t, req), "AuthFailure.SignatureFailure")
		})
	})

	t.Run("finding 5: a signature for service cvm", func(t *testing.T) {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint = host
		cpf.HttpProfile.Scheme = "HTTP"
		client := common.NewCommonClient(common.NewCredential(hostileID, hostileKey), "ap-guangzhou", cpf)
		req := tchttp.NewCommonRequest("cvm", "2019-08-19", "SendMessage")
		if err := req.SetActionParameters(map[string]any{"DataHubId": "datahub-a", "Message": []map[string]string{{"Body": "x"}}}); err != nil {
			t.Fatal(err)
		}
		timed("finding 5", func() {
			err := client.Send(req, tchttp.NewCommonResponse())
			if err == nil || !strings.Contains(err.Error(), "AuthFailure.SignatureFailure") || !strings.Contains(err.Error(), "cvm") {
				t.Errorf("a request signed for cvm: %v", err)
			}
		})
	})

	t.Run("finding 6: one index, several spellings", func(t *testing.T) {
		params := legacyParams(map[string]string{"DataHubId": "datahub-a", "Message.0.Body": "a", "Message.01.Body": "b", "Message.+1.Body": "c"})
		timed("finding 6", func() {
			wantError(t, postForm(t, s.endpoint, signLegacy(host, "/", params)), "InvalidParameter")
		})
	})

	if peak := peakRSS(t, pid); peak > maxPeakRSS {
		t.Errorf("server peak RSS %d bytes, limit %d", peak, maxPeakRSS)
	}
	if mapped := heapMapped(t, pid); mapped > maxMapped {
		t.Errorf("server VmData %d bytes, limit %d", mapped, maxMapped)
	}

	t.Run("finding 7: DATAHUB_CREDENTIALS=' , '", func(t *testing.T) {
		cmd := exec.Command(binary, "-addr", "127.0.0.1:0")
		cmd.Env = append(cleanEnv(), "DATAHUB_CREDENTIALS= , ")
		out, err := cmd.CombinedOutput()
		if _, exited := err.(*exec.ExitError); !exited || !strings.Contains(string(out), "DATAHUB_CREDENTIALS") {
			t.Errorf("exit %v, output %q: want a start-up error naming DATAHUB_CREDENTIALS", err, out)
		}
	})
}

// peakRSS is the process's peak resident memory (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 { return procStatus(t, pid, "VmHWM") }

// heapMapped is the process's data segment (VmData) in bytes: what the Go
// heap has mapped, touched or not. A buffer made for an announced
// Content-Length and never written stays out of VmHWM but not out of it.
func heapMapped(t *testing.T, pid int) int64 { return procStatus(t, pid, "VmData") }

// procStatus reads one "<field>: <n> kB" line of /proc/<pid>/status.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s %q: %v", field, v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// legacyParams are a legacy HmacSHA256 request's parameters besides the
// signature, with business parameters bp.
func legacyParams(bp map[string]string) url.Values {
	v := url.Values{"Action": {"SendMessage"}, "Version": {"2019-08-19"}, "Nonce": {"1"}, "Region": {"ap-guangzhou"},
		"SecretId": {hostileID}, "SignatureMethod": {"HmacSHA256"}, "Timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}}
	for k, val := range bp {
		v.Set(k, val)
	}
	return v
}

// signLegacy signs params for a POST to host and path as the Go SDK's
// legacy signing does, with its own common.Sign.
func signLegacy(host, path string, params url.Values) url.Values {
	keys := slices.Sorted(maps.Keys(params))
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params.Get(k))
	}
	signed := maps.Clone(params)
	signed.Set("Signature", common.Sign("POST"+host+path+"?"+b.String(), hostileKey, "HmacSHA256"))
	return signed
}

func postForm(t *testing.T, endpoint string, form url.Values) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, content type %q; want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	return r
}

// readEnvelope reads one reply from a raw connection.
func readEnvelope(t *testing.T, c net.Conn) reply {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(maxReply))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("reply %d %q: %v", resp.StatusCode, raw, err)
	}
	return r
}

func wantError(t *testing.T, r reply, code string) {
	t.Helper()
	if r.Response.Error == nil || r.Response.Error.Code != code {
		t.Errorf("got %+v, want %s", r.Response.Error, code)
		return
	}
	t.Logf("%s: %s", code, r.Response.Error.Message)
}
