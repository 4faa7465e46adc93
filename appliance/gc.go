package appliance

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// GC tuning of the server process. A chat server holds a steady live heap
// (connection queues, caches, the search index's) and allocates per
// message; with Go's default GOGC=100 it collected so often under load that
// the pauses and assists made the delivery tail (2,000 streams at 300
// msg/s: p99 94 to 242 ms at GOGC=100, 26 to 46 ms at 200, 54 to 76 ms at
// 300; docs/benchmarks.md). The
// heap may grow to about (1 + GCPercent/100) times the live heap, so a soft
// memory limit keeps it within the machine: when the heap nears the limit
// the collector runs as often as needed, whatever GOGC says.
const (
	// GCPercent is the GOGC the server runs with unless GOGC is set.
	GCPercent = 200
	// memoryShare is the part of the machine's (or the cgroup's) memory
	// used as the soft limit unless GOMEMLIMIT is set.
	memoryShare = 0.6
)

// GCSettings is what TuneGC chose; zero fields were left to the environment.
type GCSettings struct {
	GCPercent   int
	MemoryLimit int64
}

// TuneGC sets the collector's percent and soft memory limit for serving,
// leaving each alone when the operator set GOGC or GOMEMLIMIT.
func TuneGC() GCSettings {
	var s GCSettings
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
		s.GCPercent = GCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := machineMemory(); total > 0 {
			s.MemoryLimit = int64(float64(total) * memoryShare)
			debug.SetMemoryLimit(s.MemoryLimit)
		}
	}
	return s
}

// machineMemory is the memory the process may use: the cgroup's limit when
// there is one, else the machine's; 0 when neither can be read.
func machineMemory() int64 {
	total := memTotal("/proc/meminfo")
	if limit := cgroupLimit("/sys/fs/cgroup/memory.max"); limit > 0 && (total == 0 || limit < total) {
		return limit
	}
	return total
}

// memTotal reads MemTotal (in kB) from a meminfo file, in bytes.
func memTotal(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// cgroupLimit reads a cgroup v2 memory.max ("max" or bytes); 0 for none.
func cgroupLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 {
		return 0
	}
	return v
}
