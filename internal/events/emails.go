package events

// withoutEmails returns p with the email address of every user in it
// blanked. An event is encoded once and reaches every member of its chat
// or workspace (and webhooks), whoever they are, so it carries no
// address: a client that may see addresses reads them over REST, where
// the instance setting and the viewer decide.
func withoutEmails(p Payload) Payload {
	switch e := p.(type) {
	case MessageEvent:
		e.Message.Sender.Email = ""
		return e
	case ChatEvent:
		if e.Chat.LastMessage != nil {
			m := *e.Chat.LastMessage // a copy: the caller's chat stays as it is
			m.Sender.Email = ""
			e.Chat.LastMessage = &m
		}
		return e
	case MemberEvent:
		e.Member.User.Email = ""
		return e
	case WorkspaceMemberEvent:
		e.Member.User.Email = ""
		return e
	}
	return p
}
