package natsd

import (
	"fmt"
	"log/slog"
)

// logBridge forwards nats-server log lines into slog.
type logBridge struct{ log *slog.Logger }

// Noticef goes to debug: nats-server's notices are its start-up banner and
// routine chatter; warnings and errors stay visible.
func (b logBridge) Noticef(format string, v ...any) { b.log.Debug(fmt.Sprintf(format, v...)) }
func (b logBridge) Warnf(format string, v ...any)   { b.log.Warn(fmt.Sprintf(format, v...)) }
func (b logBridge) Fatalf(format string, v ...any)  { b.log.Error(fmt.Sprintf(format, v...)) }
func (b logBridge) Errorf(format string, v ...any)  { b.log.Error(fmt.Sprintf(format, v...)) }
func (b logBridge) Debugf(format string, v ...any)  { b.log.Debug(fmt.Sprintf(format, v...)) }
func (b logBridge) Tracef(format string, v ...any)  { b.log.Debug(fmt.Sprintf(format, v...)) }
