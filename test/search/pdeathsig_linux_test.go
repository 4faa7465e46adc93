package search

import (
	"os/exec"
	"syscall"
)

// setParentDeath makes the kernel kill a child if the test binary dies
// before its cleanup runs.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
