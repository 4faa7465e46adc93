package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

const adminLong = `Administer the instance from its host: accounts, workspaces, invites and
sessions. It opens the same database as serve (same --data-dir, --database-url
and config) and works whether the server runs or not; it applies the same
rules and validation as the API, and every action is written to the audit log
as "cli:<your OS user>" from "local" (GET /api/admin/audit).

USER is a user id, an email address or a username (a number is tried as an id
first, then as a username).`

func newAdminCommand(stdin io.Reader, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Administer users, workspaces, invites and sessions", Long: adminLong}
	users := &cobra.Command{Use: "users", Short: "List, create, reset, disable, enable, promote and demote accounts"}
	users.AddCommand(
		adminUsersList(stdout), adminUsersCreate(stdin, stdout), adminResetPassword(stdin, stdout),
	)
	for _, sw := range []struct {
		name, short string
		set         adminSetter
		on          bool
	}{
		{"disable", "Disable an account: it cannot sign in, and its tokens and open streams stop at once", (*appliance.Admin).SetDisabled, true},
		{"enable", "Enable a disabled account again (it signs in anew)", (*appliance.Admin).SetDisabled, false},
		{"promote", "Make an account an instance administrator", (*appliance.Admin).SetInstanceAdmin, true},
		{"demote", "Take the instance administrator role away (never from the last one)", (*appliance.Admin).SetInstanceAdmin, false},
	} {
		users.AddCommand(adminUserSwitch(sw.name, sw.short, stdout, sw.set, sw.on))
	}
	workspaces := &cobra.Command{Use: "workspaces", Short: "List workspaces"}
	workspaces.AddCommand(adminWorkspacesList(stdout))
	invites := &cobra.Command{Use: "invites", Short: "Create invite codes"}
	invites.AddCommand(adminInvitesCreate(stdout))
	sessions := &cobra.Command{Use: "sessions", Short: "End sessions"}
	sessions.AddCommand(adminSessionsRevoke(stdout))
	cmd.AddCommand(users, workspaces, invites, sessions)
	return cmd
}

// withAdmin opens the instance's database for the length of fn, with
// Ctrl-C and SIGTERM cancelling ctx; a use case's refusal is shown with
// its fields.
func withAdmin(cmd *cobra.Command, fn func(ctx context.Context, a *appliance.Admin) error) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := appliance.OpenAdmin(ctx, cfg, osUserName())
	if err != nil {
		return err
	}
	err = fn(ctx, a)
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.New(appliance.DescribeError(err))
	}
	return nil
}

// osUserName names who runs the command, for the audit log.
func osUserName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func adminUsersList(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List every account", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tADMIN\tSTATE\tCREATED")
				for after := int64(0); ; {
					page, err := a.ListUsers(ctx, after, 200)
					if err != nil || len(page) == 0 {
						tw.Flush()
						return err
					}
					for _, u := range page {
						state := "active"
						switch {
						case u.IsBot:
							state = "bot"
						case u.Disabled():
							state = "disabled since " + u.DisabledAt.Format(time.DateOnly)
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Email, yesNo(u.IsAdmin),
							state, u.CreatedAt.Format(time.DateOnly))
					}
					after = page[len(page)-1].ID
				}
			})
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func adminUsersCreate(stdin io.Reader, stdout io.Writer) *cobra.Command {
	var in appliance.AdminUserInput
	var pw passwordSource
	cmd := &cobra.Command{
		Use:   "create --email EMAIL --username NAME",
		Short: "Create an account (in no workspace: invite it, or let it accept an invite)",
		Long: `Create an account with the sign-up rules. The password is asked for twice
without echo on a terminal, or read from --password-file FILE ("-" for
standard input), or from the first line of standard input when it is not a
terminal.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				var err error
				if in.Password, err = pw.read(stdin, cmd.ErrOrStderr()); err != nil {
					return err
				}
				u, err := a.CreateUserAsAdmin(ctx, a.Actor, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "created user %d (%s, %s)\n", u.ID, u.Username, u.Email)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&in.Email, "email", "", "email address (required)")
	cmd.Flags().StringVar(&in.Username, "username", "", "username (required)")
	cmd.Flags().StringVar(&in.DisplayName, "display-name", "", "display name (default: the username)")
	cmd.Flags().BoolVar(&in.Admin, "admin", false, "make the account an instance administrator")
	pw.flags(cmd, false)
	return cmd
}

func adminResetPassword(stdin io.Reader, stdout io.Writer) *cobra.Command {
	var pw passwordSource
	cmd := &cobra.Command{
		Use:   "reset-password USER",
		Short: "Set a new password; the user's sessions, tokens and streams end",
		Long: `Set a new password for USER. Every session, access token and open event
stream of the user ends. The password is asked for twice without echo on a
terminal, or read from --password-file FILE ("-" for standard input), or from
standard input when it is not a terminal; --generate makes one up and prints
it once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				u, err := a.FindUser(ctx, args[0])
				if err != nil {
					return err
				}
				password, err := pw.read(stdin, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if err := a.ResetPassword(ctx, a.Actor, u.ID, password); err != nil {
					return err
				}
				if pw.generate {
					fmt.Fprintf(stdout, "new password for %s: %s\n", u.Username, password)
					return nil
				}
				fmt.Fprintf(stdout, "password of %s reset; their sessions have ended\n", u.Username)
				return nil
			})
		},
	}
	pw.flags(cmd, true)
	return cmd
}

// adminSetter turns one flag of a user on or off (SetDisabled, SetInstanceAdmin).
type adminSetter = func(*appliance.Admin, context.Context, appliance.AdminActor, int64, bool) (appliance.User, error)

// adminUserSwitch is a command that turns one flag of one user on or off.
func adminUserSwitch(name, short string, stdout io.Writer, set adminSetter, on bool) *cobra.Command {
	return &cobra.Command{
		Use: name + " USER", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				u, err := a.FindUser(ctx, args[0])
				if err != nil {
					return err
				}
				if _, err := set(a, ctx, a.Actor, u.ID, on); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%sd user %d (%s)\n", name, u.ID, u.Username)
				return nil
			})
		},
	}
}

func adminWorkspacesList(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List every workspace", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				list, err := a.AllWorkspaces(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tCREATED BY\tCREATED")
				for _, w := range list {
					fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", w.ID, w.Name, w.CreatedBy, w.CreatedAt.Format(time.DateOnly))
				}
				return tw.Flush()
			})
		},
	}
}

func adminInvitesCreate(stdout io.Writer) *cobra.Command {
	var ws int64
	var in appliance.InviteInput
	cmd := &cobra.Command{
		Use: "create --workspace ID", Short: "Create an invite code for a workspace", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ws <= 0 {
				return errors.New("--workspace ID is required (see fechatter admin workspaces list)")
			}
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				inv, err := a.CreateInviteAsAdmin(ctx, a.Actor, ws, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "invite code: %s\nlink: <server URL>/invite/%s\ngood for %d uses until %s\n",
					inv.Code, inv.Code, inv.MaxUses, inv.ExpiresAt.Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&ws, "workspace", 0, "workspace id (required)")
	cmd.Flags().IntVar(&in.MaxUses, "max-uses", 0, "how many people may join with it, 1 to 1000 (default 25)")
	cmd.Flags().IntVar(&in.ExpiresInHours, "expires-in-hours", 0, "hours until it expires, 1 to 720 (default 168)")
	return cmd
}

func adminSessionsRevoke(stdout io.Writer) *cobra.Command {
	var who string
	cmd := &cobra.Command{
		Use: "revoke --user USER", Short: "End every session, token and event stream of a user", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if who == "" {
				return errors.New("--user USER is required")
			}
			return withAdmin(cmd, func(ctx context.Context, a *appliance.Admin) error {
				u, err := a.FindUser(ctx, who)
				if err != nil {
					return err
				}
				if err := a.RevokeSessions(ctx, a.Actor, u.ID); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "ended every session of %s\n", u.Username)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&who, "user", "", "user id, email or username (required)")
	return cmd
}
