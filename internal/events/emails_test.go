package events

import (
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestEventsCarryNoEmail: an event reaches every member (and webhooks),
// so Encode leaves no address in it, and leaves the caller's value alone.
func TestEventsCarryNoEmail(t *testing.T) {
	u := model.User{ID: 2, Email: "ann@example.test", Username: "ann"}
	last := &model.Message{ID: 9, Sender: u}
	for _, p := range []Payload{
		MessageEvent{ChatHeader(model.EventMessageCreated, 1, 5, 2), model.Message{ID: 9, Sender: u}},
		ChatEvent{Header: ChatHeader(model.EventChatUpdated, 1, 5, 2), Chat: model.ChatSummary{Chat: model.Chat{ID: 5}, LastMessage: last}},
		MemberEvent{Header: ChatHeader(model.EventMemberJoined, 1, 5, 2), Member: model.ChatMember{User: u}, UserID: 2},
		WorkspaceMemberEvent{Header: WorkspaceHeader(model.EventWorkspaceMemberJoined, 1, 2), Member: model.Member{User: u}},
	} {
		body, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), "ann@example.test") || !strings.Contains(string(body), `"email":""`) {
			t.Errorf("%s carries an address: %s", p.EventHeader().Type, body)
		}
	}
	if last.Sender.Email != "ann@example.test" {
		t.Fatal("Encode changed the caller's message")
	}
}
