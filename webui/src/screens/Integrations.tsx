import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { integrations, type Integration, type IntegrationKind, type WorkspaceBot } from '../api/integrations';
import type { Chat, ID } from '../api/types';
import * as actions from '../app/actions';
import { dateTime } from '../format';
import { canAdmin } from '../state/workspaces';
import { toast, workspaces } from '../stores';
import { useStore } from '../stores/store';
import { PageShell } from './Pages';

/** IntegrationsPage is where workspace admins manage bot accounts,
 * incoming and outgoing webhooks and slash commands. */
export function IntegrationsPage({ ws }: { ws: ID }) {
  const workspace = useStore(workspaces, (s) => s.list.find((w) => w.id === ws));
  const [channels, setChannels] = useState<Chat[]>([]);
  useEffect(() => {
    api.chats(ws).then((cs) => setChannels(cs.filter((c) => c.type === 'public_channel' || c.type === 'private_channel')), (e) => actions.report(e));
  }, [ws]);
  if (!workspace) return <PageShell title="Integrations"><p>Loading…</p></PageShell>;
  if (!canAdmin(workspace)) return <PageShell title="Integrations"><p>Only workspace admins can manage integrations.</p></PageShell>;
  return (
    <PageShell title={`${workspace.name}: integrations`}>
      <p className="hint">How each one works, with examples: docs/integrations.md in the server's documentation.</p>
      <BotsCard ws={ws} />
      <IntegrationCard ws={ws} kind="incoming" channels={channels} />
      <IntegrationCard ws={ws} kind="outgoing" channels={channels} />
      <IntegrationCard ws={ws} kind="command" channels={channels} />
    </PageShell>
  );
}

/** Secret shows a value that is shown once (a token) or must be copied. */
function Secret({ label, value, once }: { label: string; value: string; once?: boolean }) {
  return (
    <div style={{ marginTop: '0.5rem' }}>
      <div className="code" aria-label={label} data-testid="secret">{value}</div>
      <div className="row" style={{ marginTop: '0.3rem' }}>
        <button className="btn small" type="button" onClick={() => navigator.clipboard?.writeText(value).then(() => toast('Copied.', 'info'), () => toast('Copy failed; select it and copy it.'))}>Copy</button>
        {once && <span className="hint">Shown only now: the server keeps only a hash.</span>}
      </div>
    </div>
  );
}

function BotsCard({ ws }: { ws: ID }) {
  const [bots, setBots] = useState<WorkspaceBot[]>([]);
  const [username, setUsername] = useState('');
  const [display, setDisplay] = useState('');
  const [shown, setShown] = useState<{ bot: ID; token: string } | null>(null);
  const load = useCallback(() => integrations.bots(ws).then(setBots, (e) => actions.report(e, 'Could not load bots')), [ws]);
  useEffect(() => void load(), [load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await integrations.createBot(ws, username.trim(), display.trim());
      setShown({ bot: r.bot.user.id, token: r.token });
      setUsername('');
      setDisplay('');
      await load();
    } catch (err) {
      actions.report(err, 'Could not create the bot');
    }
  };
  const act = (p: Promise<unknown>, what: string) => p.then(() => load(), (err) => actions.report(err, what));
  return (
    <div className="card">
      <h2>Bot accounts</h2>
      <form onSubmit={create} className="row">
        <label>Username <input className="input" value={username} onChange={(e) => setUsername(e.target.value)} placeholder="ci-bot" required /></label>
        <label>Display name <input className="input" value={display} onChange={(e) => setDisplay(e.target.value)} placeholder="CI" /></label>
        <button className="btn primary" type="submit" disabled={!username.trim()}>Create bot</button>
      </form>
      {bots.length === 0 && <p className="hint">No bot accounts yet.</p>}
      <ul className="list" aria-label="Bot accounts">
        {bots.map((b) => (
          <li key={b.user.id} style={{ display: 'block' }}>
            <div className="row">
              <span className="grow">{b.user.display_name} <span className="hint">@{b.user.username}</span></span>
              <button className="btn small" type="button" onClick={() => void integrations.createBotToken(ws, b.user.id).then((r) => { setShown({ bot: b.user.id, token: r.token }); return load(); }, (err) => actions.report(err, 'Could not create a token'))}>New token</button>
              <button className="btn small danger" type="button" onClick={() => confirm(`Delete the bot @${b.user.username} and revoke its tokens?`) && act(integrations.deleteBot(ws, b.user.id), 'Could not delete the bot')}>Delete</button>
            </div>
            {shown?.bot === b.user.id && <Secret label={`API token of @${b.user.username}`} value={shown.token} once />}
            <ul className="list" aria-label={`Tokens of @${b.user.username}`}>
              {b.tokens.map((t) => (
                <li key={t.id}>
                  <span className="grow">
                    <code>{t.hint}…</code>{' '}
                    <span className="hint">
                      created {dateTime(t.created_at)} · {t.last_used_at ? `last used ${dateTime(t.last_used_at)}` : 'never used'}
                      {t.revoked_at ? ` · revoked ${dateTime(t.revoked_at)}` : ''}
                    </span>
                  </span>
                  {!t.revoked_at && <button className="btn small danger" type="button" onClick={() => act(integrations.revokeBotToken(ws, b.user.id, t.id), 'Could not revoke the token')}>Revoke</button>}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}

const titles: Record<IntegrationKind, string> = {
  incoming: 'Incoming webhooks',
  outgoing: 'Outgoing webhooks',
  command: 'Slash commands',
};

const explain: Record<IntegrationKind, string> = {
  incoming: 'A secret URL that posts into one channel: POST {"text": "..."} (Slack payloads work too).',
  outgoing: 'New messages in the chosen channels are POSTed, signed, to your URL; an answer with "text" is posted back.',
  command: 'Typing /name in a chat POSTs the command, signed, to your URL, which has 3 seconds to answer.',
};

function IntegrationCard({ ws, kind, channels }: { ws: ID; kind: IntegrationKind; channels: Chat[] }) {
  const [list, setList] = useState<Integration[]>([]);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [words, setWords] = useState('');
  const [chosen, setChosen] = useState<ID[]>([]);
  const load = useCallback(() => integrations.list(ws, kind).then(setList, (e) => actions.report(e, `Could not load ${titles[kind].toLowerCase()}`)), [ws, kind]);
  useEffect(() => void load(), [load]);
  const channelName = (id: ID) => channels.find((c) => c.id === id)?.name ?? `#${id}`;
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const b = kind === 'incoming'
        ? { name, chat_id: chosen[0] }
        : kind === 'outgoing'
          ? { name, url, chat_ids: chosen, trigger_words: words.split(/[\s,]+/).filter(Boolean) }
          : { name, url };
      await integrations.create(ws, kind, b);
      setName('');
      setUrl('');
      setWords('');
      setChosen([]);
      await load();
    } catch (err) {
      actions.report(err, `Could not add to ${titles[kind].toLowerCase()}`);
    }
  };
  const pick = (id: ID, on: boolean) => setChosen((c) => (kind === 'incoming' ? (on ? [id] : []) : on ? [...c, id] : c.filter((x) => x !== id)));
  return (
    <div className="card">
      <h2>{titles[kind]}</h2>
      <p className="hint">{explain[kind]}</p>
      <form onSubmit={create}>
        <div className="row">
          <label>{kind === 'command' ? 'Command (without /)' : 'Name'} <input className="input" value={name} onChange={(e) => setName(e.target.value)} required={kind === 'command'} /></label>
          {kind !== 'incoming' && <label className="grow">URL <input className="input" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://ci.example.org/hook" required /></label>}
          {kind === 'outgoing' && <label>Trigger words <input className="input" value={words} onChange={(e) => setWords(e.target.value)} placeholder="optional: deploy, build" /></label>}
        </div>
        {kind !== 'command' && (
          <fieldset className="row" style={{ border: 'none', padding: 0, flexWrap: 'wrap' }}>
            <legend className="hint">{kind === 'incoming' ? 'Posts into' : 'Listens to'}</legend>
            {channels.map((c) => (
              <label key={c.id}>
                <input type={kind === 'incoming' ? 'radio' : 'checkbox'} name={`${kind}-chats`} checked={chosen.includes(c.id)} onChange={(e) => pick(c.id, e.target.checked)} /> {c.name}
              </label>
            ))}
          </fieldset>
        )}
        <button className="btn primary" type="submit" disabled={kind !== 'command' && chosen.length === 0}>Add</button>
      </form>
      {list.length === 0 && <p className="hint">None yet.</p>}
      <ul className="list" aria-label={titles[kind]}>
        {list.map((it) => (
          <li key={it.id} style={{ display: 'block' }}>
            <div className="row">
              <span className="grow">
                {kind === 'command' ? `/${it.name}` : it.name || `#${it.id}`}{' '}
                <span className="hint">
                  {it.chat_ids.map(channelName).join(', ')}
                  {it.trigger_words.length ? ` · on ${it.trigger_words.join(', ')}` : ''}
                  {kind !== 'incoming' ? ` · ${it.url}` : ''}
                </span>
              </span>
              <button className="btn small danger" type="button" onClick={() => confirm('Delete this integration? It stops at once.') && void integrations.remove(ws, kind, it.id).then(load, (err) => actions.report(err, 'Could not delete'))}>Delete</button>
            </div>
            <Secret label={kind === 'incoming' ? 'Webhook URL' : 'Signing secret'} value={kind === 'incoming' ? it.url : it.secret} />
          </li>
        ))}
      </ul>
    </div>
  );
}
