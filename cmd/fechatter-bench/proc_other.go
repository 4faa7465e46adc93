//go:build !linux

package main

import (
	"errors"
	"time"
)

// The load generator measures through /proc; elsewhere it runs without
// the server's memory and CPU figures.

var errNoProc = errors.New("process figures need Linux /proc")

type procStatus struct{ rssKiB, hwmKiB int64 }

func readProcStatus(int) (procStatus, error) { return procStatus{}, errNoProc }

func processCPU(int) (time.Duration, error) { return 0, errNoProc }

func loadAverage() string { return "unknown" }
