package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// passwordSource is where an admin command takes a password from.
type passwordSource struct {
	file     string
	generate bool
}

func (p *passwordSource) flags(cmd *cobra.Command, canGenerate bool) {
	cmd.Flags().StringVar(&p.file, "password-file", "", `read the password from the first line of FILE ("-": standard input)`)
	if canGenerate {
		cmd.Flags().BoolVar(&p.generate, "generate", false, "make up a strong password and print it once")
		cmd.MarkFlagsMutuallyExclusive("password-file", "generate")
	}
}

// read returns the password: generated, from --password-file, asked for
// twice without echo when standard input is a terminal, or the first line
// of standard input otherwise. The use case validates it.
func (p *passwordSource) read(stdin io.Reader, prompt io.Writer) (string, error) {
	switch {
	case p.generate:
		return generatePassword(), nil
	case p.file == "-":
		return firstLine(stdin)
	case p.file != "":
		f, err := os.Open(p.file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		return firstLine(f)
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return askTwice(int(f.Fd()), prompt)
	}
	return firstLine(stdin)
}

// firstLine reads one line, without its line ending.
func firstLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password given: type it at the prompt, or use --password-file")
	}
	return line, nil
}

// askTwice prompts on the terminal without echo until both entries match.
func askTwice(fd int, prompt io.Writer) (string, error) {
	ask := func(label string) (string, error) {
		fmt.Fprint(prompt, label)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt)
		return string(b), err
	}
	pw, err := ask("New password: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	again, err := ask("Repeat it: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw, nil
}

// generatePassword returns 20 characters from a 57-letter alphabet without
// look-alikes (about 116 bits).
func generatePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	for b.Len() < 20 {
		var x [1]byte
		_, _ = rand.Read(x[:])
		if int(x[0]) < 256-256%len(alphabet) { // no modulo bias
			b.WriteByte(alphabet[int(x[0])%len(alphabet)])
		}
	}
	return b.String()
}
