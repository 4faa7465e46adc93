-- Until adding chat members locked the members' workspace_members rows
-- (issue 14), a user removed from a workspace while joining one of its
-- chats could keep that chat_members row: a "ghost" membership, which would
-- put the user back into the chat (a private one too) if they ever
-- rejoined the workspace. Drop every chat membership whose user is no
-- longer a member of the chat's workspace.
DELETE FROM chat_members cm
USING chats c
WHERE c.id = cm.chat_id
  AND NOT EXISTS (SELECT 1 FROM workspace_members wm
                  WHERE wm.workspace_id = c.workspace_id AND wm.user_id = cm.user_id);
