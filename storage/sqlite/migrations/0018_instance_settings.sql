-- Instance settings (issue 15): one row (id 1) of switches an instance
-- administrator changes from the web app. No row means the defaults:
-- everyone may create workspaces; members do not see each other's email.
CREATE TABLE instance_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    workspace_creation TEXT    NOT NULL DEFAULT 'everyone'
        CHECK (workspace_creation IN ('everyone', 'admins')),
    show_member_emails INTEGER NOT NULL DEFAULT 0,
    updated_at         INTEGER NOT NULL
);
