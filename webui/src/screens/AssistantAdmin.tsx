import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { assistantApi, type AssistantCommand, type AssistantInfo, type KnowledgeDocument } from '../api/assistant';
import { describe } from '../api/errors';
import type { ID } from '../api/types';
import * as actions from '../app/actions';
import { dateTime } from '../format';
import { href, navigate } from '../router';
import { canAdmin } from '../state/workspaces';
import { toast, workspaces } from '../stores';
import { useStore } from '../stores/store';
import { PageShell } from './Pages';

/** AssistantAdmin is the workspace admins' screen for the assistant: its
 * settings, the workspace's own commands and the knowledge base. */
export function AssistantAdmin({ ws }: { ws: ID }) {
  const workspace = useStore(workspaces, (s) => s.list.find((w) => w.id === ws));
  if (!workspace) return <PageShell title="Assistant"><p>Loading…</p></PageShell>;
  if (!canAdmin(workspace)) return <PageShell title="Assistant"><p>Only workspace admins can manage the assistant.</p></PageShell>;
  return (
    <PageShell title={`${workspace.name}: assistant`}>
      <p>
        <a href={href({ name: 'admin', ws })} onClick={(e) => { e.preventDefault(); navigate({ name: 'admin', ws }); }}>← Workspace administration</a>
      </p>
      <AssistantSettings ws={ws} />
      <CustomCommands ws={ws} />
      <KnowledgeBase ws={ws} />
    </PageShell>
  );
}

function AssistantSettings({ ws }: { ws: ID }) {
  const [info, setInfo] = useState<AssistantInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [prompt, setPrompt] = useState('');
  const [on, setOn] = useState(true);
  useEffect(() => {
    assistantApi.info(ws).then((i) => {
      setInfo(i);
      setPrompt(i.system_prompt);
      setOn(i.turned_on);
    }, (e) => setError(describe(e)));
  }, [ws]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const i = await assistantApi.update(ws, { enabled: on, system_prompt: prompt });
      setInfo(i);
      toast('Assistant settings saved.', 'info');
    } catch (err) {
      actions.report(err, 'Could not save the assistant settings');
    }
  };
  return (
    <div className="card">
      <h2>Settings</h2>
      {error && <div className="form-error" role="alert">{error}</div>}
      {info && (
        <form onSubmit={save}>
          <p className="hint">
            {info.configured ? `Model: ${info.model}. ` : 'No model is configured on this server (bot.base_url and bot.model); the assistant only answers /help. '}
            The assistant is @{info.username}.
          </p>
          <label className="row">
            <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} /> Answer in this workspace
          </label>
          <label>
            System prompt
            <textarea className="input" rows={4} maxLength={4000} value={prompt} onChange={(e) => setPrompt(e.target.value)} aria-label="System prompt" />
          </label>
          <button className="btn primary" type="submit">Save settings</button>
        </form>
      )}
    </div>
  );
}

const emptyCommand = { name: '', description: '', template: '' };

function CustomCommands({ ws }: { ws: ID }) {
  const [list, setList] = useState<AssistantCommand[]>([]);
  const [editing, setEditing] = useState<ID | null>(null);
  const [form, setForm] = useState(emptyCommand);
  const load = useCallback(() => {
    assistantApi.commands(ws).then((c) => setList(c.filter((x) => !x.built_in)), (e) => actions.report(e, 'Could not load the commands'));
  }, [ws]);
  useEffect(load, [load]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      if (editing !== null) await assistantApi.updateCommand(ws, editing, form);
      else await assistantApi.createCommand(ws, form);
      setForm(emptyCommand);
      setEditing(null);
      load();
    } catch (err) {
      actions.report(err, 'Could not save the command');
    }
  };
  const remove = async (c: AssistantCommand) => {
    if (c.id === undefined || !confirm(`Delete /${c.name}?`)) return;
    try {
      await assistantApi.deleteCommand(ws, c.id);
      load();
    } catch (err) {
      actions.report(err, 'Could not delete the command');
    }
  };
  return (
    <div className="card">
      <h2>Custom commands</h2>
      {list.length === 0 && <p className="hint">No custom commands yet.</p>}
      <ul className="list" aria-label="Custom commands">
        {list.map((c) => (
          <li key={c.id}>
            <span className="grow"><strong>/{c.name}</strong> <span className="hint">{c.description}</span></span>
            <button className="btn small" onClick={() => { setEditing(c.id ?? null); setForm({ name: c.name, description: c.description, template: c.template ?? '' }); }}>Edit</button>
            <button className="btn small danger" onClick={() => void remove(c)}>Delete</button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit}>
        <h3>{editing !== null ? `Edit /${form.name}` : 'New command'}</h3>
        <label>Name <input className="input" value={form.name} maxLength={33} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-label="Command name" /></label>
        <label>Description <input className="input" value={form.description} maxLength={200} onChange={(e) => setForm({ ...form, description: e.target.value })} aria-label="Command description" /></label>
        <label>
          Prompt template <span className="hint">{'{{input}}, {{context}}, {{user}} and {{chat}} are filled in'}</span>
          <textarea className="input" rows={3} maxLength={4000} value={form.template} onChange={(e) => setForm({ ...form, template: e.target.value })} aria-label="Prompt template" />
        </label>
        <div className="row">
          <button className="btn primary" type="submit" disabled={!form.name.trim() || !form.template.trim()}>{editing !== null ? 'Save command' : 'Add command'}</button>
          {editing !== null && <button className="btn" type="button" onClick={() => { setEditing(null); setForm(emptyCommand); }}>Cancel</button>}
        </div>
      </form>
    </div>
  );
}

function KnowledgeBase({ ws }: { ws: ID }) {
  const [docs, setDocs] = useState<KnowledgeDocument[] | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  const load = useCallback(() => {
    assistantApi.documents(ws).then(setDocs, (e) => actions.report(e, 'Could not load the knowledge base'));
  }, [ws]);
  useEffect(load, [load]);
  const upload = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    try {
      await assistantApi.uploadDocument(ws, file, title.trim() || undefined);
      setFile(null);
      setTitle('');
      setInputKey((k) => k + 1);
      toast('Document added.', 'info');
      load();
    } catch (err) {
      actions.report(err, 'Could not add the document');
    } finally {
      setBusy(false);
    }
  };
  const remove = async (d: KnowledgeDocument) => {
    if (!confirm(`Remove "${d.title}" from the knowledge base?`)) return;
    try {
      await assistantApi.deleteDocument(ws, d.id);
      load();
    } catch (err) {
      actions.report(err, 'Could not remove the document');
    }
  };
  return (
    <div className="card">
      <h2>Knowledge base</h2>
      <p className="hint">Plain text or Markdown, up to 1 MiB each. The assistant answers /ask and mentions from these documents and cites them.</p>
      {docs === null && <p aria-busy="true">Loading documents…</p>}
      {docs && docs.length === 0 && <p className="hint">No documents yet.</p>}
      <ul className="list" aria-label="Knowledge documents">
        {(docs ?? []).map((d) => (
          <li key={d.id}>
            <span className="grow">
              <strong>{d.title}</strong>{' '}
              <span className="hint">
                {d.format} · {Math.max(1, Math.round(d.bytes / 1024))} KiB · {d.chunks} chunk{d.chunks === 1 ? '' : 's'}
                {d.embedded > 0 ? ` · ${d.embedded} embedded` : ''} · {dateTime(d.created_at)}
              </span>
            </span>
            <button className="btn small danger" onClick={() => void remove(d)} aria-label={`Remove ${d.title}`}>Remove</button>
          </li>
        ))}
      </ul>
      <form onSubmit={upload} className="row">
        <label>
          <span className="sr-only">Document file</span>
          <input key={inputKey} type="file" accept=".txt,.md,.markdown,text/plain,text/markdown" aria-label="Document file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label className="grow">
          <span className="sr-only">Title</span>
          <input className="input" placeholder="Title (default: the file name)" aria-label="Document title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <button className="btn primary" type="submit" disabled={!file || busy}>Upload</button>
      </form>
    </div>
  );
}
