package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func mentionTests() []leaf {
	return []leaf{{"ListAndUnread", testMentions}}
}

func mention(t *testing.T, s storage.Store, c model.Chat, from model.User, content string, who ...model.User) model.Message {
	t.Helper()
	m := model.Message{ChatID: c.ID, SenderID: from.ID, Content: content}
	for _, u := range who {
		m.Mentions = append(m.Mentions, u.ID)
	}
	_, err := s.CreateMessage(context.Background(), &m)
	noErr(t, err, "create message with mentions")
	return m
}

func testMentions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	_, err := s.AddChatMembers(ctx, w.public.ID, []model.ChatMember{{UserID: w.member.ID}})
	noErr(t, err, "join public")
	m1 := mention(t, s, w.group, w.owner, "one", w.member)
	send(t, s, w.group, w.owner, "no mention")
	m2 := mention(t, s, w.public, w.owner, "two", w.member, w.owner)
	m3 := mention(t, s, w.group, w.owner, "three", w.member)
	ids := func(msgs []model.Message) []int64 {
		var out []int64
		for _, m := range msgs {
			out = append(out, m.ID)
			if m.Sender.ID != w.owner.ID || len(m.Mentions) == 0 {
				t.Fatalf("mention not hydrated: %+v", m)
			}
		}
		return out
	}
	all, err := s.ListMentions(ctx, w.member.ID, false, 10)
	noErr(t, err, "mentions")
	if got := ids(all); !equalIDs(got, []int64{m3.ID, m2.ID, m1.ID}) {
		t.Fatalf("mentions newest first = %v", got)
	}
	limited, err := s.ListMentions(ctx, w.member.ID, false, 2)
	noErr(t, err, "mentions limit 2")
	if got := ids(limited); !equalIDs(got, []int64{m3.ID, m2.ID}) {
		t.Fatalf("mentions limit 2 = %v", got)
	}
	_, _, err = s.MarkRead(ctx, w.group.ID, w.member.ID, m1.Seq)
	noErr(t, err, "mark read")
	unread, err := s.ListMentions(ctx, w.member.ID, true, 10)
	noErr(t, err, "unread mentions")
	if got := ids(unread); !equalIDs(got, []int64{m3.ID, m2.ID}) {
		t.Fatalf("unread mentions = %v", got)
	}
	// Leaving a chat drops its mentions from the list.
	noErr(t, s.RemoveChatMember(ctx, w.public.ID, w.member.ID), "leave public")
	unread, err = s.ListMentions(ctx, w.member.ID, true, 10)
	noErr(t, err, "unread mentions")
	if got := ids(unread); !equalIDs(got, []int64{m3.ID}) {
		t.Fatalf("unread mentions after leaving = %v", got)
	}
	none, err := s.ListMentions(ctx, w.guest.ID, false, 10)
	noErr(t, err, "mentions of nobody")
	if none == nil || len(none) != 0 {
		t.Fatalf("no mentions must be an empty slice: %#v", none)
	}
}
