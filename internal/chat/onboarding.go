package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// defaultChannels are the public channels every new workspace starts with.
// They are auto-join: whoever joins the workspace by invite lands in them.
// #general is made last, so that it is the most recent chat, the one the
// web app opens first.
var defaultChannels = []struct{ name, topic string }{
	{"random", "Anything else"},
	{"general", "Announcements and work for everyone"},
}

// createDefaultChannels creates #general and #random in a new workspace,
// with its owner as their admin. Imports do not get them: the import
// brings its own channels.
func (s *Service) createDefaultChannels(ctx context.Context, tx storage.Tx, ownerID, workspaceID int64) error {
	for _, dc := range defaultChannels {
		d := chatDraft{chat: model.Chat{
			WorkspaceID: workspaceID, Type: model.ChatPublicChannel, Name: dc.name, Topic: dc.topic,
			CreatedBy: ownerID, AutoJoin: true,
		}}
		if _, err := s.insertChat(ctx, tx, ownerID, model.RoleOwner, d); err != nil {
			return fmt.Errorf("create #%s: %w", dc.name, err)
		}
	}
	return nil
}

// joinAutoJoinChannels puts a new workspace member in the workspace's
// auto-join channels and records member.joined for each, which clients
// show as "X joined".
func (s *Service) joinAutoJoinChannels(ctx context.Context, tx storage.Tx, workspaceID, userID int64) error {
	ids, err := tx.AutoJoinChats(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("auto-join chats: %w", err)
	}
	for _, id := range ids {
		c := model.Chat{ID: id, WorkspaceID: workspaceID}
		if err := s.joinPublicChannel(ctx, tx, c, userID); err != nil {
			return err
		}
	}
	return nil
}
