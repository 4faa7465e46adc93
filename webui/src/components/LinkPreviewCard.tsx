import { useState } from 'react';
import { api } from '../api/client';
import { endpoints } from '../api/endpoints';
import type { Message } from '../api/types';
import * as actions from '../app/actions';

/** LinkPreviewCard shows the server's preview of a message's first link:
 * site, title (a link that opens in a new tab), description and the
 * image, which the server proxies so the linked site never sees the
 * reader. The message's author can remove it for good; the server then
 * sends message.updated without it. */
export function LinkPreviewCard({ m, mine }: { m: Message; mine: boolean }) {
  const [imageFailed, setImageFailed] = useState(false);
  const p = m.preview;
  if (!p) return null;
  const remove = () =>
    api.call<void>(endpoints.removePreview, { params: { chat: m.chat_id, id: m.id } }).catch((e) => actions.report(e, 'Could not remove the preview'));
  return (
    <div className="link-preview" data-testid="link-preview">
      <div className="lp-text">
        {p.site_name && <div className="lp-site">{p.site_name}</div>}
        <a className="lp-title" href={p.url} target="_blank" rel="noopener noreferrer nofollow">{p.title || p.url}</a>
        {p.description && <p className="lp-desc">{p.description}</p>}
      </div>
      {p.image_url && !imageFailed && <img src={p.image_url} alt="" loading="lazy" referrerPolicy="no-referrer" onError={() => setImageFailed(true)} />}
      {mine && (
        <button className="icon-btn lp-remove" aria-label="Remove link preview" title="Remove preview" onClick={() => void remove()}>×</button>
      )}
    </div>
  );
}
