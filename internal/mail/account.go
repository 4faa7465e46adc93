package mail

import (
	"fmt"
	"time"
)

// MailPasswordReset queues the mail with a password-reset link; false
// when mail is off or the queue is full.
func (m *Mailer) MailPasswordReset(to, name, link string, expires time.Time) bool {
	return m.Enqueue(Message{To: to, Subject: "Reset your Fechatter password", Text: fmt.Sprintf(
		"Hello %s,\n\nsomeone (hopefully you) asked to reset the password of your Fechatter account.\n"+
			"Open this link to choose a new one:\n\n%s\n\n"+
			"The link works once, until %s. Using it signs you out everywhere.\n"+
			"If you did not ask for this, ignore this mail: your password stays as it is.\n",
		name, link, expires.UTC().Format("2006-01-02 15:04 MST"))})
}

// MailEmailChange queues the mail that confirms a new email address, sent
// to that address; false when mail is off or the queue is full.
func (m *Mailer) MailEmailChange(to, name, link string, expires time.Time) bool {
	return m.Enqueue(Message{To: to, Subject: "Confirm your new Fechatter email address", Text: fmt.Sprintf(
		"Hello %s,\n\nto use %s as the email address of your Fechatter account, open this link\n"+
			"while signed in:\n\n%s\n\nThe link works once, until %s.\n"+
			"If you did not ask for this, ignore this mail and nothing changes.\n",
		name, to, link, expires.UTC().Format("2006-01-02 15:04 MST"))})
}
