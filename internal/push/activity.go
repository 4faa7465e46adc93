package push

import (
	"sync"
	"time"
)

// Activity knows which users have a tab of the web app in view. A tab
// reports itself visible when it is shown and then every ActiveReport
// while it stays shown, and hidden when it is hidden or closed; a user is
// active while any tab's last "visible" is newer than the window. A tab
// that vanishes without a word (a crash, a lost network) stops counting
// when the window passes.
type Activity struct {
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	tabs map[int64]map[string]time.Time // user -> tab -> last seen visible
}

// ActiveReport is how often the web app reports a visible tab.
const ActiveReport = 30 * time.Second

// NewActivity returns a tracker whose reports count for window.
func NewActivity(window time.Duration, now func() time.Time) *Activity {
	if now == nil {
		now = time.Now
	}
	return &Activity{window: window, now: now, tabs: map[int64]map[string]time.Time{}}
}

// Report records that a user's tab is visible or not.
func (a *Activity) Report(userID int64, tab string, visible bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	tabs := a.tabs[userID]
	if !visible {
		delete(tabs, tab)
		if len(tabs) == 0 {
			delete(a.tabs, userID)
		}
		return
	}
	if tabs == nil {
		tabs = map[string]time.Time{}
		a.tabs[userID] = tabs
	}
	tabs[tab] = a.now()
}

// Active reports whether any tab of the user is in view, forgetting the
// tabs that stopped reporting.
func (a *Activity) Active(userID int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	cutoff := a.now().Add(-a.window)
	for tab, seen := range a.tabs[userID] {
		if seen.After(cutoff) {
			return true
		}
		delete(a.tabs[userID], tab)
	}
	delete(a.tabs, userID)
	return false
}
