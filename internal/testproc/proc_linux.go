package testproc

import (
	"os/exec"
	"syscall"
)

// setParentDeath makes the kernel kill the child if this process dies
// before it could stop the child itself (a test binary killed by its
// timeout, a load generator interrupted twice).
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
