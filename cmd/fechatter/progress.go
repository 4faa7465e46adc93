package main

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// bar is a progress bar on a terminal, and nothing otherwise (logs and
// pipes get only the command's final summary). Every long-running command
// (backup, restore, import, export) draws its progress through one.
type bar struct {
	w     io.Writer
	desc  string
	bytes bool
	pb    *progressbar.ProgressBar
}

// newBar returns a bar writing to w when w is a terminal; bytes shows the
// counts as sizes.
func newBar(w io.Writer, desc string, bytes bool) *bar {
	f, ok := w.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return &bar{}
	}
	return &bar{w: w, desc: desc, bytes: bytes}
}

// update sets the bar to done of total.
func (b *bar) update(done, total int64) {
	if b.w == nil {
		return
	}
	if b.pb == nil {
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(b.desc),
			progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		}
		if b.bytes {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionShowCount())
		}
		b.pb = progressbar.NewOptions64(total, opts...)
	}
	b.pb.ChangeMax64(total)
	_ = b.pb.Set64(done)
}

// count is update for callers counting in ints.
func (b *bar) count(done, total int) { b.update(int64(done), int64(total)) }

// finish completes and clears the bar.
func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}
