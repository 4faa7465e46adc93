package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"sort"
	"strings"
	"time"
)

// Message is one plain-text mail to one recipient.
type Message struct {
	To      string
	Subject string
	// Text is the UTF-8 body; lines end with "\n".
	Text string
	// Headers are extra header fields (List-Unsubscribe, ...).
	Headers map[string]string
}

// parseAddress returns the bare address of "Name <addr>" or "addr".
func parseAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// bytes renders msg as an RFC 5322 message with a Date, a Message-ID in
// the sender's domain, and a quoted-printable text/plain UTF-8 body.
func (msg Message) bytes(fromHeader, fromAddr string, now time.Time) ([]byte, error) {
	to, err := parseAddress(msg.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", msg.To, err)
	}
	from, _ := mail.ParseAddress(fromHeader)
	domain := fromAddr[strings.LastIndexByte(fromAddr, '@')+1:]
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	var b bytes.Buffer
	head := func(k, v string) {
		if strings.ContainsAny(v, "\r\n") {
			return // never let a value start a header of its own
		}
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	head("From", from.String())
	head("To", (&mail.Address{Address: to}).String())
	head("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	head("Date", now.Format(time.RFC1123Z))
	head("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	head("MIME-Version", "1.0")
	head("Content-Type", "text/plain; charset=utf-8")
	head("Content-Transfer-Encoding", "quoted-printable")
	head("Auto-Submitted", "auto-generated")
	keys := make([]string, 0, len(msg.Headers))
	for k := range msg.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		head(k, msg.Headers[k])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(msg.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if b.Len() == 0 {
		return nil, errors.New("mail: empty message")
	}
	return b.Bytes(), nil
}
