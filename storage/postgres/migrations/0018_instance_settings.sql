-- Instance settings (issue 15): one row (id 1) of switches an instance
-- administrator changes from the web app. No row means the defaults:
-- everyone may create workspaces; members do not see each other's email.
CREATE TABLE instance_settings (
    id                 smallint    PRIMARY KEY CHECK (id = 1),
    workspace_creation text        NOT NULL DEFAULT 'everyone'
        CHECK (workspace_creation IN ('everyone', 'admins')),
    show_member_emails boolean     NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL
);
