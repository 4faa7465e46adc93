//go:build !unix

package meili

import (
	"os"
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalTerm asks the server to stop (an interrupt where there is no SIGTERM).
func signalTerm(cmd *exec.Cmd) error { return cmd.Process.Signal(os.Interrupt) }

func signalKill(cmd *exec.Cmd) error { return cmd.Process.Kill() }
