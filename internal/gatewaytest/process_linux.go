package gatewaytest

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill the subprocess if the test binary dies
// first (a panic or go test's timeout), so that no function is left behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
