package appliance

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestMemoryReaders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mi := write("meminfo", "MemTotal:       24576000 kB\nMemFree:         1000 kB\n")
	if got := memTotal(mi); got != 24576000*1024 {
		t.Fatalf("memTotal = %d", got)
	}
	if got := memTotal(write("bad", "MemFree: 1 kB\n")); got != 0 {
		t.Fatalf("memTotal without MemTotal = %d", got)
	}
	if got := cgroupLimit(write("max", "max\n")); got != 0 {
		t.Fatalf(`cgroupLimit("max") = %d`, got)
	}
	if got := cgroupLimit(write("limit", "1073741824\n")); got != 1<<30 {
		t.Fatalf("cgroupLimit = %d", got)
	}
	if got := cgroupLimit(filepath.Join(dir, "missing")); got != 0 {
		t.Fatalf("cgroupLimit of a missing file = %d", got)
	}
}

// The operator's GOGC and GOMEMLIMIT win; without them the server's own
// settings apply.
func TestTuneGCLeavesTheEnvironmentAlone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetGCPercent(150)
	if s := TuneGC(); s != (GCSettings{}) {
		t.Fatalf("with GOGC and GOMEMLIMIT set TuneGC chose %+v", s)
	}
	if p := debug.SetGCPercent(150); p != 150 {
		t.Fatalf("GC percent changed to %d", p)
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	s := TuneGC()
	if s.GCPercent != GCPercent || debug.SetGCPercent(100) != GCPercent {
		t.Fatalf("TuneGC chose %+v", s)
	}
	if m := machineMemory(); m > 0 && s.MemoryLimit != int64(float64(m)*memoryShare) {
		t.Fatalf("memory limit %d of %d", s.MemoryLimit, m)
	}
}
