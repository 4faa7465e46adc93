//go:build !linux

package appliance

import "errors"

// diskSpace is measured on Linux only.
func diskSpace(string) (free, total uint64, err error) {
	return 0, 0, errors.New("disk space is measured on Linux only")
}
