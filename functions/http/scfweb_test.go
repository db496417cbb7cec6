package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/tcauth/sdktest"
)

// webZip builds dist/scf-web.zip with `make` as a user would, checks what
// SCF requires of it (an executable scf_bootstrap at the root, LF line
// endings, absolute paths, 0.0.0.0:9000; a linux/amd64 binary) and
// unpacks it, modes kept, into a temporary folder, which it returns.
func webZip(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := filepath.Join("..", "..")
	cmd := exec.CommandContext(ctx, "make", "-C", root, "dist/scf-web.zip")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make dist/scf-web.zip (needs make and zip): %v\n%s", err, out)
	}
	zr, err := zip.OpenReader(filepath.Join(root, "dist", "scf-web.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Mode().Perm() != 0o755 {
			t.Errorf("%s has mode %v, want 0755: SCF runs scf_bootstrap, which runs httpkafka", f.Name, f.Mode())
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), data, f.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		switch f.Name {
		case "scf_bootstrap":
			s := string(data)
			if !strings.HasPrefix(s, "#!/bin/bash\n") || strings.Contains(s, "\r") || !strings.HasSuffix(s, "\n") {
				t.Errorf("scf_bootstrap must start with #!/bin/bash and use LF line endings:\n%q", s)
			}
			if !strings.Contains(s, `exec "${HTTPKAFKA_HOME:-/var/user}/httpkafka" -scf-web -addr "0.0.0.0:${HTTPKAFKA_WEB_PORT:-9000}"`) {
				t.Errorf("scf_bootstrap does not start /var/user/httpkafka -scf-web on 0.0.0.0:9000 by default:\n%s", s)
			}
		case "httpkafka":
			ef, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("httpkafka is not an ELF binary: %v", err)
			}
			if ef.Machine != elf.EM_X86_64 || ef.OSABI != elf.ELFOSABI_NONE && ef.OSABI != elf.ELFOSABI_LINUX {
				t.Errorf("httpkafka is for %v/%v, want linux/amd64", ef.OSABI, ef.Machine)
			}
		}
	}
	if strings.Join(names, ",") != "scf_bootstrap,httpkafka" {
		t.Errorf("zip holds %v, want scf_bootstrap and httpkafka at its root", names)
	}
	return dir
}

// startWeb runs dir/scf_bootstrap as SCF does, with the function's
// environment, only moved to dir and a free port (HTTPKAFKA_HOME,
// HTTPKAFKA_WEB_PORT), and returns its address once it accepts
// connections. The port is picked by listening and closing; when another
// process takes it first, the server fails to bind and another is tried.
func startWeb(t *testing.T, dir string, env ...string) (string, *gatewaytest.Process) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		proc := gatewaytest.Start(t, filepath.Join(dir, "scf_bootstrap"),
			append([]string{"PATH=/usr/bin:/bin", "HTTPKAFKA_HOME=" + dir, fmt.Sprintf("HTTPKAFKA_WEB_PORT=%d", port)}, env...)...)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		err = waitListening(addr, proc)
		if err == nil {
			return addr, proc
		}
		if !strings.Contains(proc.Stderr(), "address already in use") || attempt == 3 {
			t.Fatalf("scf_bootstrap: %v\n%s", err, proc.Stderr())
		}
	}
}

func waitListening(addr string, proc *gatewaytest.Process) error {
	deadline := time.Now().Add(60 * time.Second) // generous: a loaded CI machine
	for {
		// The banner's last line comes after the listener is up.
		if strings.Contains(proc.Stderr(), "SendMessage endpoint") {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return nil
			}
		}
		select {
		case <-proc.Exited():
			return errors.New("exited")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("not listening after 60s")
		}
	}
}

// TestSCFWebZip unpacks `make`'s dist/scf-web.zip, runs its scf_bootstrap
// as SCF would and sends official Go SDK requests to it: signed TC3 and
// HmacSHA256 requests are produced to Kafka with the request id SCF passes
// (X-Scf-Request-Id), or a fresh one without it; the client address SCF
// passes (X-Scf-Remote-Addr) is the one logged; SIGTERM stops it cleanly.
func TestSCFWebZip(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the zip holds a linux/amd64 binary; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	t.Parallel()
	dir := webZip(t)
	env := sdktest.New(t) // its Kafka, topics and keys; the service runs in the zip's binary
	addr, proc := startWeb(t, dir,
		"KAFKA_BROKERS="+strings.Join(env.Cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS="+sdktest.DataHub+"="+sdktest.Topic,
		"DATAHUB_CREDENTIALS="+sdktest.SecretID+":"+sdktest.SecretKey,
		"LOG_LEVEL=DEBUG")

	scfHeaders := map[string]string{"X-Scf-Request-Id": "8f2e4c1a-scf-web-0001", "X-Scf-Remote-Addr": "198.51.100.9"}
	for _, c := range []struct {
		name   string
		method string
		header map[string]string
	}{
		{"TC3 with SCF's headers", "", scfHeaders},
		{"HmacSHA256 with SCF's headers", "HmacSHA256", scfHeaders},
		{"TC3 without them", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			client := sdktest.Client(t, addr, common.NewCredential(sdktest.SecretID, sdktest.SecretKey), func(p *profile.ClientProfile) {
				if c.method != "" {
					p.SignMethod = c.method
				}
			})
			body := "web function: " + c.name
			resp, err := sdktest.Send(client, sdktest.DataHub, body, "k-web", c.header)
			if err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			t.Logf("SDK success: %s", resp.ToJsonString())
			id := *resp.Response.RequestId
			if c.header != nil && id != c.header["X-Scf-Request-Id"] {
				t.Errorf("RequestId %s, want SCF's %s", id, c.header["X-Scf-Request-Id"])
			}
			if c.header == nil && len(id) != 36 {
				t.Errorf("RequestId %q, want a fresh UUID", id)
			}
			env.WantRecord(t, sdktest.Topic, body, "k-web")
		})
	}
	t.Run("AuthFailure logged with SCF's client address", func(t *testing.T) {
		client := sdktest.Client(t, addr, common.NewCredential(sdktest.SecretID, "not"+sdktest.SecretKey), nil)
		_, err := sdktest.Send(client, sdktest.DataHub, "lost", "k", map[string]string{"X-Scf-Request-Id": "scf-web-bad-key", "X-Scf-Remote-Addr": "198.51.100.10"})
		var sdkErr *sdkerrors.TencentCloudSDKError
		if !errors.As(err, &sdkErr) || sdkErr.GetCode() != "AuthFailure.SignatureFailure" || sdkErr.GetRequestId() != "scf-web-bad-key" {
			t.Fatalf("SendMessage: %v, want AuthFailure.SignatureFailure with RequestId scf-web-bad-key", err)
		}
		// The one JSON line per request (written just before the reply; the pipe may lag).
		logged := func() bool {
			return strings.Contains(proc.Stderr(), `"request_id":"scf-web-bad-key"`) && strings.Contains(proc.Stderr(), `"source_ip":"198.51.100.10"`)
		}
		for deadline := time.Now().Add(5 * time.Second); !logged() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if !logged() {
			t.Errorf("no log line with the request id and SCF's client address:\n%s", proc.Stderr())
		}
	})

	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, exited := proc.Wait(20 * time.Second); !exited || err != nil {
		t.Errorf("after SIGTERM: exited=%v err=%v, want a clean exit", exited, err)
	}
}

// TestSCFWebNeedsKafka: in a function instance an embedded Kafka would
// lose every message, so -scf-web without KAFKA_BROKERS refuses to start.
func TestSCFWebNeedsKafka(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "-scf-web", "-addr", "127.0.0.1:0")
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "KAFKA_BROKERS is not set") {
		t.Errorf("exit %v, output %q; want status 1 naming KAFKA_BROKERS", err, out)
	}
}
