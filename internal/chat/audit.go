package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Audited actions: the Action of model.AuditEntry.
const (
	AuditUserCreate     = "user.create"
	AuditUserDisable    = "user.disable"
	AuditUserEnable     = "user.enable"
	AuditUserPromote    = "user.promote"
	AuditUserDemote     = "user.demote"
	AuditPasswordReset  = "user.reset_password"
	AuditSessionsRevoke = "user.sessions_revoke"
	AuditInviteCreate   = "invite.create"
	AuditMemberRole     = "member.role"
	AuditMemberBan      = "member.ban"
	AuditLogLevel       = "log_level.set"
)

// Actor is who performs an administrative action, for the audit log.
type Actor struct {
	// UserID is the acting user; 0 for the command line.
	UserID int64
	// Name is how the log shows the actor: "cli:<os user>" for the
	// command line; for a user it is filled in from their username.
	Name string
	// Source is where the action came from: "local", or the client IP.
	Source string
}

// CLIActor is `fechatter admin` run by the operating-system user osUser.
func CLIActor(osUser string) Actor {
	if osUser == "" {
		osUser = "unknown"
	}
	return Actor{Name: "cli:" + osUser, Source: "local"}
}

type auditSourceKey struct{}

// WithAuditSource returns ctx carrying where the request came from (the
// client IP), which the audit records of API actions name.
func WithAuditSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, auditSourceKey{}, source)
}

// userActor is the API caller userID as an actor.
func userActor(ctx context.Context, userID int64) Actor {
	src, _ := ctx.Value(auditSourceKey{}).(string)
	return Actor{UserID: userID, Source: src}
}

// audit appends one record inside tx; detail is marshalled to JSON (nil
// for none). A user actor's name is read in the same transaction.
func (s *Service) audit(ctx context.Context, tx storage.Tx, a Actor, action string, target, workspaceID int64, detail map[string]any) error {
	if a.Name == "" && a.UserID != 0 {
		u, err := tx.UserByID(ctx, a.UserID)
		if err != nil {
			return fmt.Errorf("audit: load actor: %w", err)
		}
		a.Name = u.Username
	}
	e := model.AuditEntry{Actor: a.Name, ActorID: a.UserID, Source: a.Source, Action: action,
		TargetUserID: target, WorkspaceID: workspaceID}
	if detail != nil {
		body, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit: encode detail: %w", err)
		}
		e.Detail = body
	}
	if err := tx.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit records an administrative action that no use case here performs
// (a log-level change, say) by the API caller userID, the source taken
// from ctx (WithAuditSource). detail is a small object (nil for none).
func (s *Service) Audit(ctx context.Context, userID int64, action string, detail map[string]any) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		return s.audit(ctx, tx, userActor(ctx, userID), action, 0, 0, detail)
	})
}

// maxAuditActionLen bounds the action filter of AuditLog.
const maxAuditActionLen = 64

// AuditLog returns a page of the audit log, newest first: entries before
// q.BeforeID (0: the newest), at most q.Limit (storage.PageLimit), of
// q.Action only when set. Only the instance administrator may read it;
// the API route checks that.
func (s *Service) AuditLog(ctx context.Context, q AuditQuery) ([]model.AuditEntry, error) {
	if q.BeforeID < 0 {
		return nil, apperr.Field("before", "must be a positive audit entry id")
	}
	if utf8.RuneCountInString(q.Action) > maxAuditActionLen {
		return nil, apperr.Field("action", fmt.Sprintf("must be at most %d characters", maxAuditActionLen))
	}
	q.Limit = storage.PageLimit(q.Limit)
	list, err := s.store.ListAudit(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return list, nil
}

// AuditQuery pages through the audit log (storage.AuditQuery).
type AuditQuery = storage.AuditQuery
