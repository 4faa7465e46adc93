package natsd

import (
	"fmt"
	"log/slog"
)

// logBridge forwards nats-server log lines into slog.
type logBridge struct{ log *slog.Logger }

func (b logBridge) Noticef(format string, v ...any) { b.log.Info(fmt.Sprintf(format, v...)) }
func (b logBridge) Warnf(format string, v ...any)   { b.log.Warn(fmt.Sprintf(format, v...)) }
func (b logBridge) Fatalf(format string, v ...any)  { b.log.Error(fmt.Sprintf(format, v...)) }
func (b logBridge) Errorf(format string, v ...any)  { b.log.Error(fmt.Sprintf(format, v...)) }
func (b logBridge) Debugf(format string, v ...any)  { b.log.Debug(fmt.Sprintf(format, v...)) }
func (b logBridge) Tracef(format string, v ...any)  { b.log.Debug(fmt.Sprintf(format, v...)) }
