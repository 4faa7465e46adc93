//go:build unix

package meili

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts the server in its own process group, so that the
// signals meant for Fechatter (Ctrl-C in a terminal) do not reach it and
// the supervisor alone decides when it stops.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalTerm asks the server's process group to stop.
func signalTerm(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// signalKill kills the server's process group.
func signalKill(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
