-- Until adding chat members was serialised with removing workspace members
-- (issue 14; SQLite's single writer always did, Postgres now locks rows), a
-- user removed from a workspace while joining one of its chats could keep
-- that chat_members row. Kept in step with the Postgres migration: drop
-- every chat membership whose user is no longer a member of the chat's
-- workspace.
DELETE FROM chat_members
WHERE NOT EXISTS (SELECT 1 FROM chats c
                  JOIN workspace_members wm ON wm.workspace_id = c.workspace_id
                  WHERE c.id = chat_members.chat_id AND wm.user_id = chat_members.user_id);
