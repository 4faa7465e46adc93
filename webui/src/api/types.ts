// The API's JSON shapes (API.md). Fields the server adds beyond the
// contract are optional here so the client keeps working without them.

export type ID = number;

export interface User {
  id: ID;
  email: string;
  username: string;
  display_name: string;
  avatar_url: string;
  is_bot: boolean;
  is_admin?: boolean;
  locale?: string;
  timezone?: string;
  created_at: string;
  /** status is left out when none is set or it has expired. */
  status?: UserStatus;
}

export interface UserStatus {
  emoji: string;
  text: string;
  expires_at?: string;
}

export interface Session {
  user: User;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export type Role = 'owner' | 'admin' | 'member' | 'guest';

export interface Workspace {
  id: ID;
  name: string;
  role: Role;
  created_at: string;
  created_by?: ID;
}

export interface WorkspaceMember {
  user: User;
  role: Role;
  joined_at: string;
}

export type ChatType = 'direct' | 'group' | 'private_channel' | 'public_channel';

export interface FileInfo {
  id: ID;
  name: string;
  size: number;
  content_type: string;
  url: string;
}

export interface ReactionCount {
  emoji: string;
  count: number;
  me: boolean;
}

export interface Message {
  id: ID;
  chat_id: ID;
  workspace_id: ID;
  seq: number;
  sender: User;
  content: string;
  client_id: string;
  reply_to?: ID | null;
  reply_count: number;
  attachments: FileInfo[];
  reactions: ReactionCount[];
  mentions: ID[];
  created_at: string;
  edited_at?: string | null;
  deleted: boolean;
  /** The link preview of the first link, once the server fetched it. */
  preview?: LinkPreview;
  /** detected language (ISO 639-1); '' until detected. */
  lang?: string;
}

/** LinkPreview is what a linked page says about itself; image_url is the
 * server's signed image proxy path (never the page's own image URL). */
export interface LinkPreview {
  url: string;
  title?: string;
  description?: string;
  site_name?: string;
  image_url?: string;
}

/** PreviewSettings are a workspace's preview switches. */
export interface PreviewSettings {
  workspace_id: ID;
  link_previews: boolean;
  notification_previews: boolean;
}

export interface Chat {
  id: ID;
  workspace_id: ID;
  type: ChatType;
  name: string;
  topic: string;
  created_by: ID;
  created_at: string;
  member_count: number;
  unread_count: number;
  last_message?: Message | null;
  last_seq?: number;
  last_read_seq?: number;
  last_activity_at?: string;
  my_role?: 'admin' | 'member';
  description?: string;
  /** set while the channel is archived (read-only, not in the browser). */
  archived_at?: string | null;
  /** new workspace members join this channel (#general, #random). */
  auto_join?: boolean;
}

export interface ChatMember {
  user: User;
  role: string;
  joined_at: string;
  last_read_seq: number;
}

export interface SessionInfo {
  id: ID;
  user_agent: string;
  ip: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  current?: boolean;
}

/** A new invite: its code is shown only this once. */
export interface Invite {
  id: ID;
  code: string;
  max_uses: number;
  expires_at: string;
}

/** A live invite as admins list it (never its code). */
export interface InviteInfo {
  id: ID;
  /** 0: unlimited (invites made before limits were required). */
  max_uses: number;
  uses: number;
  /** null: never expires (likewise). */
  expires_at: string | null;
  created_by: ID;
  created_at: string;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface SearchHit {
  message: Message;
  chat: { id: ID; name: string; type: ChatType };
  highlight: string;
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  facets: Partial<Record<'sender' | 'chat' | 'chat_type' | 'date', FacetValue[]>>;
  took_ms: number;
}

export interface SearchQuery {
  q: string;
  chat_id?: ID;
  sender_id?: ID;
  chat_type?: ChatType;
  from?: string;
  to?: string;
  sort?: 'relevance' | 'newest';
  limit?: number;
  offset?: number;
  facets?: string;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    request_id?: string;
    fields?: Record<string, string>;
  };
}

// ---- GET /api/admin/status (instance admins) ----

/** Latency quantiles in seconds; null when nothing was observed. */
export interface Latency {
  p50: number | null;
  p99: number | null;
}

export interface StatusWindow {
  minutes: number;
  seconds: number;
  messages_per_second: number;
  requests_per_second: number;
  deliveries_per_second: number;
  error_ratio: number;
  signin_failures: number;
  request_latency: Latency;
  delivery_latency: Latency;
  relay_lag: Latency;
}

export interface StatusPoint {
  at: string;
  messages_per_second: number;
  requests_per_second: number;
  deliveries_per_second: number;
  request_p50: number | null;
  request_p99: number | null;
  delivery_p99: number | null;
  relay_lag_p99: number | null;
  sse_connections: number;
  outbox_backlog: number;
  indexer_lag_events: number;
}

export interface StatusAlert {
  name: string;
  state: 'pending' | 'firing';
  severity: 'warning' | 'critical';
  summary: string;
  value: number;
  active_since: string;
  firing_since?: string;
}

export interface SystemStatus {
  version: string;
  commit: string;
  started_at: string;
  uptime_seconds: number;
  sampled_at: string;
  interval_seconds: number;
  components: { name: string; ready: boolean; error?: string }[];
  windows: StatusWindow[];
  sse_connections: number;
  outbox_backlog: number;
  indexer_lag_events: number;
  consumers: { name: string; pending: number; ack_pending: number }[];
  streams: { name: string; messages: number; bytes: number }[];
  storage: {
    data_dir_free_bytes: number | null;
    data_dir_size_bytes: number | null;
    data_dir_free_percent: number | null;
    database_bytes: number | null;
    search_index_bytes: number | null;
    jetstream_bytes: number | null;
    jetstream_limit_bytes: number | null;
    certificate_expires_at?: number;
    certificate_domain?: string;
  };
  alerts: StatusAlert[];
  series: StatusPoint[];
}

/** Translation is POST /api/chats/{chat}/messages/{id}/translate's answer. */
export interface Translation {
  message_id: ID;
  text: string;
  source_language: string;
  target_language: string;
  created_at: string;
}

/** UserLanguage is GET/PATCH /api/me/language. */
export interface UserLanguage {
  language: string;
  auto_translate: boolean;
}

/** Draft is unsent text of a chat (thread_id 0) or of one of its threads. */
export interface Draft {
  chat_id: ID;
  thread_id: ID;
  text: string;
  updated_at: string;
}

/** NotificationSettings are the person's desktop notification choices. */
export interface NotificationSettings {
  sound: boolean;
  dnd_until: string | null;
  schedule_enabled: boolean;
  schedule_start: string;
  schedule_end: string;
  updated_at: string;
  muted_chat_ids: ID[];
}

export type NotificationPatch = Partial<Omit<NotificationSettings, 'updated_at' | 'muted_chat_ids'>>;
/** An account as the instance administrator sees it. */
export interface AdminUser extends User {
  disabled_at: string | null;
}
