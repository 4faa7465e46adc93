package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/preview"
	"github.com/fechatter/fechatter/internal/push"
)

// newPreviews builds link previews (not started) over the use cases: the
// SSRF policy is outbound.allow_cidrs', the image signatures are keyed by
// the token signing key.
func (a *Appliance) newPreviews(chatSvc *chat.Service) *preview.Service {
	return preview.New(preview.Config{
		Policy:    a.cfg.outboundPolicy(),
		Secret:    a.signingKey,
		UserAgent: "Fechatter-LinkPreview/1 (+" + a.PublicURL() + ")",
		Replicas:  a.cfg.replicas(),
		Log:       a.log.With("component", "previews"),
	}, a.store, chatSvc, a.js)
}

// newPush builds Web Push (not started) with the data dir's VAPID keys.
func (a *Appliance) newPush() (*push.Service, error) {
	keys, err := a.loadVAPIDKeys()
	if err != nil {
		return nil, err
	}
	return push.New(push.Config{
		Keys:       keys,
		Subscriber: vapidSubscriber(a.PublicURL()),
		Policy:     a.cfg.outboundPolicy(),
		Replicas:   a.cfg.replicas(),
		Log:        a.log.With("component", "push"),
	}, a.store, a.js), nil
}

// vapidSubscriber is the contact push services see (RFC 8292 "sub"): the
// public URL when it is https, else an address at its host (webpush-go
// makes it a mailto: URI).
func vapidSubscriber(public string) string {
	if strings.HasPrefix(public, "https:") {
		return public
	}
	host := "localhost"
	if u, err := url.Parse(public); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "fechatter@" + host
}

// loadVAPIDKeys reads <data_dir>/vapid.json, generating it on first start.
func (a *Appliance) loadVAPIDKeys() (push.Keys, error) {
	path := layoutOf(a.cfg.DataDir).VAPIDKeys
	keys, err := readVAPIDKeys(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return keys, err
	}
	a.log.Info("generating the Web Push (VAPID) keys", "path", path)
	if keys, err = push.GenerateKeys(); err != nil {
		return push.Keys{}, fmt.Errorf("generate VAPID keys: %w", err)
	}
	data, err := json.Marshal(keys)
	if err != nil {
		return push.Keys{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return push.Keys{}, fmt.Errorf("create VAPID keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, append(data, '\n')); err != nil {
		return push.Keys{}, fmt.Errorf("write VAPID keys: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another start won the race
			return readVAPIDKeys(path)
		}
		return push.Keys{}, fmt.Errorf("store VAPID keys: %w", err)
	}
	syncDir(filepath.Dir(path))
	return keys, nil
}

func readVAPIDKeys(path string) (push.Keys, error) {
	data, err := readCapped(path, maxSecretFile)
	if err != nil {
		return push.Keys{}, err
	}
	var k push.Keys
	if err := json.Unmarshal(data, &k); err != nil || k.Public == "" || k.Private == "" {
		return push.Keys{}, fmt.Errorf("%s is not a VAPID key file (public_key and private_key); remove it to generate new keys", path)
	}
	return k, nil
}

// previewsComponent runs the link preview consumer.
func (a *Appliance) previewsComponent() Component {
	return Component{
		Name: "previews",
		Start: func(ctx context.Context) error {
			if _, err := a.buildServices(ctx); err != nil {
				return err
			}
			return a.previews.Start(ctx)
		},
		Stop: func(ctx context.Context) error { return a.previews.Stop(ctx) },
	}
}

// pushComponent runs the Web Push consumer.
func (a *Appliance) pushComponent() Component {
	return Component{
		Name: "push",
		Start: func(ctx context.Context) error {
			if _, err := a.buildServices(ctx); err != nil {
				return err
			}
			return a.push.Start(ctx)
		},
		Stop: func(ctx context.Context) error { return a.push.Stop(ctx) },
	}
}
