package auth

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
)

// ClientKey is the rate-limit key of a client IP: the address itself for
// IPv4 (an IPv4-mapped IPv6 address counts as IPv4), its /64 network for
// IPv6, since one host or home usually holds a whole /64. A string that is
// not an IP address is its own key.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64) // cannot fail for an IPv6 address and 64 bits
	return p.String()
}

// signInGuard holds the sign-in failure budgets (ASVS 6.3.1) so that
// guessing is slow but the owner of an account is never locked out by
// someone else's failures:
//   - per account and client (IP, or /64 for IPv6): the guesser runs out,
//     the owner signing in from elsewhere does not;
//   - per client, whatever the account: one client spraying many accounts;
//   - one global budget: once a flood from many clients has spent it, only
//     (account, client) pairs without recent failures may still try, so a
//     distributed guesser gets one try per pair while the owner, who has not
//     failed, signs in as usual.
//
// Every attempt takes its budgets up front (concurrent attempts cannot all
// slip past a check made before the slow hash) and a success gives them back.
type signInGuard struct {
	perPair   *limiterSet
	perClient *limiterSet
	global    *limiterSet
}

// newSignInGuard returns a guard with the configured budgets.
func newSignInGuard(cfg Config) *signInGuard {
	return &signInGuard{
		perPair:   newLimiterSet(cfg.SignInPerAccountIP, maxLimiterKeys),
		perClient: newLimiterSet(cfg.SignInPerIP, maxLimiterKeys),
		global:    newLimiterSet(cfg.SignInGlobal, 1),
	}
}

// attempt is one sign-in (or password check) in flight.
type attempt struct {
	g      *signInGuard
	pair   string
	cancel []func()
}

// begin takes one attempt for account from client (a ClientKey, or another
// stable name of the caller) at now, or refuses it with a 429 saying when to
// come back. An empty client only has the per-account-and-client budget
// (under the empty client) and the global one.
func (g *signInGuard) begin(account, client string, now time.Time) (*attempt, error) {
	a := &attempt{g: g, pair: account + "\x00" + client}
	failedBefore := g.perPair.hasSpent(a.pair, now)
	if err := a.take(g.perPair, a.pair, now); err != nil {
		return nil, err
	}
	if client != "" {
		if err := a.take(g.perClient, client, now); err != nil {
			return nil, err
		}
	}
	cancel, wait, ok := g.global.reserve("", now)
	switch {
	case ok:
		a.cancel = append(a.cancel, cancel)
	case failedBefore:
		a.giveBack()
		return nil, apperr.RateLimited(wait)
	}
	return a, nil
}

// take reserves one event of key in ls; on refusal it gives back what the
// attempt already took.
func (a *attempt) take(ls *limiterSet, key string, now time.Time) error {
	cancel, wait, ok := ls.reserve(key, now)
	if !ok {
		a.giveBack()
		return apperr.RateLimited(wait)
	}
	a.cancel = append(a.cancel, cancel)
	return nil
}

// giveBack returns every budget the attempt took.
func (a *attempt) giveBack() {
	for _, c := range a.cancel {
		c()
	}
	a.cancel = nil
}

// succeeded ends a successful attempt: it costs nothing, and the pair's
// earlier failures are forgotten.
func (a *attempt) succeeded() {
	a.giveBack()
	a.g.perPair.forget(a.pair)
}

// sessionClient is the client key of password checks made by a signed-in
// session (a password change), which have no sign-in IP of their own.
func sessionClient(sessionID int64) string { return "session:" + strconv.FormatInt(sessionID, 10) }
