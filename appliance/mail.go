package appliance

import (
	"context"
	"errors"

	"github.com/fechatter/fechatter/internal/mail"
)

// mailComponent builds the mailer (smtp.*) and the email digest
// (notifications.email_digest_after) over the started store and hub, and
// runs their senders. Without smtp.host both exist and send nothing: the
// API still answers, and users keep their digest setting.
func (a *Appliance) mailComponent() Component {
	return Component{
		Name: "mail",
		Start: func(ctx context.Context) error {
			s := a.cfg.SMTP
			a.mailer = mail.New(mail.Config{
				Host: s.Host, Port: int(s.Port), Username: s.Username, Password: s.Password,
				From: s.From, TLSMode: s.TLS, Timeout: s.Timeout, Log: a.log.With("component", "mail"),
			})
			a.digest = mail.NewDigest(a.store, a.mailer, mail.DigestConfig{
				After: a.cfg.Notifications.EmailDigestAfter, PublicURL: a.PublicURL,
				Key: a.signingKey, Online: a.hub.Online, Log: a.log.With("component", "digest"),
			})
			if err := a.mailer.Start(ctx); err != nil {
				return err
			}
			return a.digest.Start(ctx)
		},
		Stop: func(ctx context.Context) error {
			return errors.Join(a.digest.Stop(ctx), a.mailer.Stop(ctx))
		},
	}
}
