package appliance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// BackupStatus is what the scheduled backups of a running server did last.
type BackupStatus struct {
	// Enabled says scheduled backups are on (backup.interval > 0).
	Enabled bool
	// LastAt is when the last one finished; zero before the first.
	LastAt time.Time
	// LastError is why the last one failed; "" when it succeeded.
	LastError string
	// LastSuccess is when one last succeeded, and LastPath what it wrote.
	LastSuccess time.Time
	LastPath    string
	// Succeeded and Failed count the scheduled backups since start.
	Succeeded, Failed int
}

// LastBackup reports the scheduled backups (for an admin status page).
func (a *Appliance) LastBackup() BackupStatus {
	a.backupMu.Lock()
	defer a.backupMu.Unlock()
	s := a.backupStatus
	s.Enabled = a.cfg.Backup.Interval > 0
	return s
}

// SetConfigFile names the config file the appliance was loaded from, which
// scheduled backups archive ("" for none).
func (a *Appliance) SetConfigFile(path string) { a.configFile = path }

// scheduledName matches the archives the schedule writes and rotates;
// the UTC time in the name sorts them.
var scheduledName = regexp.MustCompile(`^fechatter-\d{8}T\d{6}\.\d{3}Z\.tar\.gz$`)

// backupDir is where scheduled archives go.
func (c Config) backupDir() string {
	if c.Backup.Dir != "" {
		return c.Backup.Dir
	}
	return layoutOf(c.DataDir).Backups
}

// backupComponent writes a backup every backup.interval and keeps the
// newest backup.keep of them.
func (a *Appliance) backupComponent() Component {
	var stop context.CancelFunc
	var wg sync.WaitGroup
	return Component{
		Name: "backup",
		Start: func(context.Context) error {
			dir := a.cfg.backupDir()
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("backup dir: %w", err)
			}
			every := a.cfg.Backup.Interval
			if a.backupEvery > 0 {
				every = a.backupEvery
			}
			ctx, cancel := context.WithCancel(context.Background())
			stop = cancel
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(every)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
						a.scheduledBackup(ctx, dir)
					}
				}
			}()
			return nil
		},
		Stop: func(context.Context) error {
			if stop != nil {
				stop()
			}
			wg.Wait()
			return nil
		},
	}
}

// scheduledBackup writes one archive into dir, rotates, and records the
// outcome.
func (a *Appliance) scheduledBackup(ctx context.Context, dir string) {
	now := time.Now().UTC()
	out := filepath.Join(dir, "fechatter-"+now.Format("20060102T150405.000Z")+".tar.gz")
	m, err := Backup(ctx, a.cfg, BackupOptions{Out: out, ConfigFile: a.configFile, Version: a.build.Version})
	if err != nil && ctx.Err() != nil {
		return // stopped mid-archive: the partial archive was removed
	}
	// An archive that completed as the server began to stop is kept, so it
	// is rotated and recorded like any other.
	if err == nil {
		err = rotateBackups(dir, int(a.cfg.Backup.Keep))
	}
	a.backupMu.Lock()
	defer a.backupMu.Unlock()
	a.backupStatus.LastAt = time.Now().UTC()
	if err != nil {
		a.backupStatus.LastError = err.Error()
		a.backupStatus.Failed++
		telemetry.Backups.WithLabelValues("failed").Inc()
		a.log.Error("scheduled backup failed", "error", err)
		return
	}
	a.backupStatus.LastError, a.backupStatus.LastSuccess, a.backupStatus.LastPath = "", a.backupStatus.LastAt, out
	a.backupStatus.Succeeded++
	telemetry.Backups.WithLabelValues("ok").Inc()
	telemetry.BackupLastSuccess.Set(float64(a.backupStatus.LastAt.Unix()))
	a.log.Info("scheduled backup written", "path", out, "parts", len(m.Parts))
	if hint := PGDumpHint(m); hint != "" {
		a.log.Warn(hint)
	}
}

// rotateBackups deletes all but the newest keep scheduled archives in dir.
func rotateBackups(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("rotate backups: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && scheduledName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return fmt.Errorf("rotate backups: %w", err)
		}
		names = names[1:]
	}
	return nil
}
