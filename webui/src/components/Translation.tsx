import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { endpoints } from '../api/endpoints';
import { describe } from '../api/errors';
import type { Message, Translation, UserLanguage } from '../api/types';
import { session, toast } from '../stores';
import { createStore, useStore } from '../stores/store';

/** The caller's language setting, loaded once per session. */
const languageStore = createStore<UserLanguage & { loaded: boolean }>({ language: '', auto_translate: false, loaded: false });
let loading: Promise<void> | null = null;

function loadLanguage(): Promise<void> {
  if (!loading) {
    loading = api.call<UserLanguage>(endpoints.myLanguage).then(
      (l) => languageStore.set({ ...l, loaded: true }),
      () => {
        loading = null; // try again on the next mount (the assistant may be off)
      },
    );
  }
  return loading;
}

/** primary is the language part of a BCP 47 tag ("pt-BR" -> "pt"). */
const primary = (tag: string | undefined) => (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';

/** useMyLanguage is the language messages are translated into: the
 * setting, else the profile's locale, else the browser's. */
export function useMyLanguage(): { language: string; auto: boolean } {
  const setting = useStore(languageStore, (s) => s);
  const locale = useStore(session, (s) => s.user?.locale);
  useEffect(() => {
    if (!setting.loaded) void loadLanguage();
  }, [setting.loaded]);
  const language = setting.language || primary(locale) || primary(typeof navigator === 'undefined' ? '' : navigator.language) || 'en';
  return { language, auto: setting.auto_translate };
}

/** Translations fetched in this tab, by message version and target. */
const cache = new Map<string, Translation>();

export interface MessageTranslationState {
  /** offer: the message is in another language than the reader's. */
  offer: boolean;
  text: string | null;
  shown: boolean;
  busy: boolean;
  translate: () => void;
  toggle: () => void;
}

/** useTranslation offers and holds the translation of one message into
 * the reader's language; with auto-translate on it fetches it at once. */
export function useTranslation(m: Message): MessageTranslationState {
  const { language, auto } = useMyLanguage();
  const key = `${m.id}:${language}:${m.edited_at ?? ''}`;
  const offer = !m.deleted && !!m.lang && m.lang !== language;
  const [text, setText] = useState<string | null>(() => cache.get(key)?.text ?? null);
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setText(cache.get(key)?.text ?? null);
  }, [key]);
  const translate = useCallback(() => {
    const hit = cache.get(key);
    if (hit) {
      setText(hit.text);
      setShown(true);
      return;
    }
    setBusy(true);
    api.call<Translation>(endpoints.translateMessage, { params: { chat: m.chat_id, id: m.id }, body: { target: language } }).then(
      (t) => {
        cache.set(key, t);
        setText(t.text);
        setShown(true);
      },
      (e) => toast(`Could not translate: ${describe(e)}`),
    ).finally(() => setBusy(false));
  }, [key, language, m.chat_id, m.id]);
  useEffect(() => {
    if (offer && auto && text === null && !busy) translate();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [offer, auto, key]);
  useEffect(() => {
    if (auto && text !== null) setShown(true);
  }, [auto, text]);
  return { offer, text, shown: shown && text !== null, busy, translate, toggle: () => setShown((s) => !s) };
}

/** TranslationControls is the "Translate" / "Show original" switch under a
 * message in another language. */
export function TranslationControls({ tr, lang }: { tr: MessageTranslationState; lang?: string }) {
  if (!tr.offer) return null;
  if (tr.shown) {
    return (
      <div className="translation-note">
        <span className="hint">Translated{lang ? ` from ${lang}` : ''} · </span>
        <button className="link-btn" onClick={tr.toggle}>Show original</button>
      </div>
    );
  }
  return (
    <div className="translation-note">
      <button className="link-btn" onClick={tr.text === null ? tr.translate : tr.toggle} disabled={tr.busy} aria-busy={tr.busy}>
        {tr.busy ? 'Translating…' : tr.text === null ? 'Translate' : 'Show translation'}
      </button>
    </div>
  );
}

/** LanguageSettings is the settings card for the reader's language and
 * automatic translation. */
export function LanguageSettings() {
  const setting = useStore(languageStore, (s) => s);
  const { language } = useMyLanguage();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(setting.language);
  }, [setting.language]);
  const save = async (patch: Partial<UserLanguage>) => {
    setError(null);
    try {
      const l = await api.call<UserLanguage>(endpoints.setMyLanguage, { body: patch });
      languageStore.set({ ...l, loaded: true });
      toast('Language settings saved.', 'info');
    } catch (err) {
      setError(describe(err));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save({ language: draft.trim().toLowerCase() });
  };
  return (
    <div className="card">
      <h2>Language</h2>
      <form onSubmit={submit}>
        {error && <div className="form-error" role="alert">{error}</div>}
        <label className="field">
          <span>Your language (ISO 639-1 code, e.g. en, de, ja)</span>
          <input className="input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={language} maxLength={2} />
        </label>
        <p className="hint">Messages in other languages offer “Translate” into {language}.</p>
        <button className="btn primary" type="submit">Save language</button>
      </form>
      <label className="field row" style={{ marginTop: '0.75rem' }}>
        <input type="checkbox" checked={setting.auto_translate} onChange={(e) => void save({ auto_translate: e.target.checked })} />
        <span>Translate messages in other languages automatically</span>
      </label>
    </div>
  );
}
