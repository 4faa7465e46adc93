import { Fragment, useEffect, useState } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import type { StatusPoint, SystemStatus } from '../api/types';
import { session } from '../stores';
import { useStore } from '../stores/store';
import { InstanceUsers } from './InstanceUsers';
import { InstanceSettings } from './InstanceSettings';
import { PageShell } from './Pages';

/** How often the page asks GET /api/admin/status again. */
const REFRESH_MS = 5000;

/** HealthPage is the instance administrator's view of the node: its
 * components, rates and latencies, lags, sizes and firing alerts, all
 * computed by the server itself (no Prometheus needed). */
export function HealthPage() {
  const isAdmin = useStore(session, (s) => !!s.user?.is_admin);
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!isAdmin) return;
    let live = true;
    const load = () =>
      api.adminStatus().then(
        (s) => { if (live) { setStatus(s); setError(null); } },
        (e) => { if (live) setError(describe(e)); },
      );
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => { live = false; clearInterval(t); };
  }, [isAdmin]);
  if (!isAdmin) return <PageShell title="System health"><p>Only the instance administrator can see the system health.</p></PageShell>;
  return (
    <PageShell title="System health">
      {error && <p className="form-error" role="alert">Could not refresh: {error}</p>}
      {!status ? <p aria-busy="true">Loading…</p> : <HealthView s={status} />}
      <InstanceSettings />
      <InstanceUsers />
    </PageShell>
  );
}

function HealthView({ s }: { s: SystemStatus }) {
  const w1 = s.windows.find((w) => w.minutes === 1);
  return (
    <div className="health">
      <p className="health-meta">
        Version <b>{s.version}</b>{s.commit && <> ({s.commit.slice(0, 12)})</>} · up {duration(s.uptime_seconds)} · sampled every {s.interval_seconds}s ·
        updated {new Date(s.sampled_at).toLocaleTimeString()}
      </p>
      <AlertList s={s} />
      <section className="card" aria-label="Components">
        <h2>Components</h2>
        <ul className="health-components">
          {s.components.map((c) => (
            <li key={c.name} className={c.ready ? 'ok' : 'bad'} title={c.error ?? 'ready'}>
              <span aria-hidden="true">{c.ready ? '●' : '▲'}</span> {c.name} <span className="sr-only">{c.ready ? 'ready' : `not ready: ${c.error ?? ''}`}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="health-charts" aria-label="Charts of the last minutes">
        <Chart title="Messages / s" now={w1?.messages_per_second} series={s.series} pick={(p) => p.messages_per_second} fmt={rate} />
        <Chart title="Requests / s" now={w1?.requests_per_second} series={s.series} pick={(p) => p.requests_per_second} fmt={rate} />
        <Chart title="Request latency p50" now={w1?.request_latency.p50} series={s.series} pick={(p) => p.request_p50} fmt={secs} />
        <Chart title="Request latency p99" now={w1?.request_latency.p99} series={s.series} pick={(p) => p.request_p99} fmt={secs} />
        <Chart title="Delivery latency p99" now={w1?.delivery_latency.p99} series={s.series} pick={(p) => p.delivery_p99} fmt={secs} />
        <Chart title="SSE connections" now={s.sse_connections} series={s.series} pick={(p) => p.sse_connections} fmt={count} />
        <Chart title="Outbox backlog" now={s.outbox_backlog} series={s.series} pick={(p) => p.outbox_backlog} fmt={count} />
        <Chart title="Indexer lag (events)" now={s.indexer_lag_events} series={s.series} pick={(p) => p.indexer_lag_events} fmt={count} />
        <Chart title="Relay lag p99" now={w1?.relay_lag.p99} series={s.series} pick={(p) => p.relay_lag_p99} fmt={secs} />
      </section>
      <section className="card" aria-label="Rates and latencies">
        <h2>Rates and latencies</h2>
        <table className="health-table">
          <thead>
            <tr><th>Window</th><th>Messages/s</th><th>Requests/s</th><th>5xx</th><th>Deliveries/s</th><th>Request p50 / p99</th><th>Delivery p50 / p99</th></tr>
          </thead>
          <tbody>
            {s.windows.map((w) => (
              <tr key={w.minutes}>
                <td>{w.minutes} min</td>
                <td>{rate(w.messages_per_second)}</td>
                <td>{rate(w.requests_per_second)}</td>
                <td>{(100 * w.error_ratio).toFixed(1)}%</td>
                <td>{rate(w.deliveries_per_second)}</td>
                <td>{secs(w.request_latency.p50)} / {secs(w.request_latency.p99)}</td>
                <td>{secs(w.delivery_latency.p50)} / {secs(w.delivery_latency.p99)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="Storage and queues">
        <h2>Storage and queues</h2>
        <dl className="health-facts">
          <dt>Data dir free</dt><dd>{s.storage.data_dir_free_bytes == null ? '—' : `${bytes(s.storage.data_dir_free_bytes)} of ${bytes(s.storage.data_dir_size_bytes)} (${(s.storage.data_dir_free_percent ?? 0).toFixed(1)}%)`}</dd>
          <dt>Database</dt><dd>{bytes(s.storage.database_bytes)}</dd>
          <dt>Search index</dt><dd>{bytes(s.storage.search_index_bytes)}</dd>
          <dt>JetStream</dt><dd>{s.storage.jetstream_bytes == null ? '—' : `${bytes(s.storage.jetstream_bytes)} of ${bytes(s.storage.jetstream_limit_bytes)}`}</dd>
          {s.streams.map((st) => (
            <Fragment key={`s-${st.name}`}><dt>Stream {st.name}</dt><dd>{count(st.messages)} messages, {bytes(st.bytes)}</dd></Fragment>
          ))}
          {s.consumers.map((c) => (
            <Fragment key={`c-${c.name}`}><dt>Consumer {c.name}</dt><dd>{count(c.pending)} pending, {count(c.ack_pending)} unacknowledged</dd></Fragment>
          ))}
          {s.storage.certificate_expires_at != null && (<><dt>Certificate</dt><dd>{s.storage.certificate_domain} expires {new Date(s.storage.certificate_expires_at * 1000).toLocaleDateString()}</dd></>)}
        </dl>
      </section>
    </div>
  );
}

function AlertList({ s }: { s: SystemStatus }) {
  if (s.alerts.length === 0) return <p className="health-allclear" role="status">No alerts firing.</p>;
  return (
    <section className="card health-alerts" aria-label="Alerts">
      <h2>Alerts</h2>
      <ul>
        {s.alerts.map((a) => (
          <li key={a.name} className={`${a.state} ${a.severity}`}>
            <b>{a.name}</b> <span className="health-pill">{a.state}</span> <span className="health-pill">{a.severity}</span>
            <div>{a.summary}</div>
            <small>since {new Date(a.firing_since ?? a.active_since).toLocaleString()}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Chart is a small line chart (inline SVG) of one series with its
 * current value; gaps (null: nothing observed) break the line. */
function Chart({ title, now, series, pick, fmt }: {
  title: string;
  now: number | null | undefined;
  series: StatusPoint[];
  pick: (p: StatusPoint) => number | null;
  fmt: (v: number | null | undefined) => string;
}) {
  const W = 220, H = 56;
  const vals = series.map(pick);
  const seen = vals.filter((v): v is number => v != null);
  const max = Math.max(0, ...seen);
  const peak = seen.length ? fmt(max) : '—';
  const x = (i: number) => (vals.length <= 1 ? W : (i / (vals.length - 1)) * W);
  const y = (v: number) => H - 2 - (max > 0 ? (v / max) * (H - 6) : 0);
  let d = '';
  vals.forEach((v, i) => {
    if (v == null) return;
    d += `${i > 0 && vals[i - 1] != null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  });
  return (
    <figure className="health-chart">
      <figcaption><span>{title}</span><b>{fmt(now)}</b></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${title}, last ${series.length} samples, peak ${peak}`}>
        <path d={d} fill="none" stroke="var(--accent)" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
      </svg>
      <small>peak {peak}</small>
    </figure>
  );
}

function rate(v: number | null | undefined): string {
  if (v == null) return '—';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function count(v: number | null | undefined): string {
  return v == null ? '—' : Math.round(v).toLocaleString();
}

function secs(v: number | null | undefined): string {
  if (v == null) return '—';
  if (v < 0.001) return `${(v * 1e6).toFixed(0)} µs`;
  if (v < 1) return `${(v * 1000).toFixed(1)} ms`;
  return `${v.toFixed(2)} s`;
}

function bytes(v: number | null | undefined): string {
  if (v == null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function duration(s: number): string {
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m` : `${Math.floor(s)}s`;
}
