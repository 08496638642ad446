/**
 * Subscriptions: look up an address (channel status, topics, history), import
 * a CSV file and export one. The export needs the admin key, so it is fetched
 * here and offered as a download link to the file in memory.
 */
import type { SubscriptionChannel, SubscriptionImportResult, SubscriptionRecord } from '@exhaust/schema';
import { SUBSCRIPTION_CHANNELS, SUBSCRIPTION_STATUSES } from '@exhaust/schema/constants';
import { useEffect, useState } from 'preact/hooks';
import { api, getAdminKey } from '../api.js';
import { ErrorNote, Loading, Time } from '../ui.js';

export function SubscriptionsPage() {
  return (
    <>
      <h1>Subscriptions</h1>
      <Lookup />
      <div class="grid">
        <Import />
        <Export />
      </div>
    </>
  );
}

function Lookup() {
  const [channel, setChannel] = useState<SubscriptionChannel>('email');
  const [address, setAddress] = useState('');
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'loading' }
    | { kind: 'error'; error: unknown }
    | { kind: 'ready'; record: SubscriptionRecord }
  >({ kind: 'idle' });
  return (
    <section aria-labelledby="lookup-h">
      <h2 id="lookup-h">Look up an address</h2>
      <form
        class="inline"
        aria-label="Look up an address"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!address.trim()) return;
          setState({ kind: 'loading' });
          try {
            const record = await api<SubscriptionRecord>(
              `/v1/subscriptions/${channel}/${encodeURIComponent(address.trim())}`,
            );
            setState({ kind: 'ready', record });
          } catch (error) {
            setState({ kind: 'error', error });
          }
        }}
      >
        <label for="sub-channel">Channel</label>
        <select
          id="sub-channel"
          value={channel}
          onChange={(e) => setChannel(e.currentTarget.value as SubscriptionChannel)}
        >
          {SUBSCRIPTION_CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <label for="sub-address">Address</label>
        <input
          id="sub-address"
          value={address}
          placeholder="ada@example.org or +44 7700 900123"
          onInput={(e) => setAddress(e.currentTarget.value)}
        />
        <button type="submit">Look up</button>
      </form>
      {state.kind === 'loading' ? <Loading /> : null}
      {state.kind === 'error' ? <ErrorNote error={state.error} /> : null}
      {state.kind === 'ready' ? <Record record={state.record} /> : null}
    </section>
  );
}

function Record({ record }: { record: SubscriptionRecord }) {
  const topics = Object.entries(record.topics);
  return (
    <div role="status">
      <p>
        <code>
          {record.channel}:{record.address}
        </code>{' '}
        is <strong>{record.status}</strong>
        {record.since ? (
          <>
            {' '}
            since <Time at={record.since} /> (source {record.source})
          </>
        ) : (
          ' (nothing recorded)'
        )}
        {record.proof ? ` · proof: ${[record.proof.ip, record.proof.text].filter(Boolean).join(', ')}` : ''}
      </p>
      {topics.length ? (
        <table>
          <caption>Topics</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Status</th>
              <th scope="col">Since</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {topics.map(([topic, t]) => (
              <tr key={topic}>
                <td>{topic}</td>
                <td>{t.status}</td>
                <td>
                  <Time at={t.since} />
                </td>
                <td>{t.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No topic status.</p>
      )}
      <h3>History</h3>
      {record.history.length === 0 ? (
        <p>No change recorded.</p>
      ) : (
        <ol class="timeline">
          {record.history.map((h, i) => (
            <li key={i}>
              <Time at={h.at} /> {h.topic ? `topic ${h.topic}` : 'channel'}: {h.previous} → <strong>{h.status}</strong>{' '}
              ({h.source})
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Import() {
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<SubscriptionImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section aria-labelledby="import-h">
      <h2 id="import-h">Import (CSV)</h2>
      <p class="hint">
        Columns <code>channel,address,status</code> and optionally <code>topic,at</code>; source <code>import</code>.
      </p>
      <form
        aria-label="Import subscriptions"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!file) return;
          setBusy(true);
          setError(null);
          setResult(null);
          try {
            setResult(
              await api<SubscriptionImportResult>('/v1/subscriptions/import', {
                method: 'POST',
                headers: { 'content-type': 'text/csv' },
                body: await file.text(),
              }),
            );
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="import-file">CSV file</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
        />
        <button type="submit" disabled={!file || busy}>
          Import
        </button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {result ? (
        <div role="status">
          <p>
            {result.applied} rows applied, {result.skipped.length} skipped.
          </p>
          {result.skipped.length ? (
            <ul class="plain">
              {result.skipped.map((s) => (
                <li key={s.line}>
                  line {s.line}: {s.reason}
                  {s.message ? ` (${s.message})` : ''}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function Export() {
  const [channel, setChannel] = useState('');
  const [status, setStatus] = useState('');
  const [link, setLink] = useState<{ url: string; rows: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => () => link && URL.revokeObjectURL(link.url), [link]);
  return (
    <section aria-labelledby="export-h">
      <h2 id="export-h">Export (CSV)</h2>
      <form
        class="inline"
        aria-label="Export subscriptions"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setLink(null);
          const query = new URLSearchParams();
          if (channel) query.set('channel', channel);
          if (status) query.set('status', status);
          try {
            // The export takes the admin key as a header, which a plain link cannot send.
            const res = await fetch(`/v1/subscriptions/export?${query}`, {
              headers: { authorization: `Bearer ${getAdminKey() ?? ''}` },
            });
            if (!res.ok) throw new Error(((await res.json()) as { error: { message: string } }).error.message);
            const blob = await res.blob();
            const rows = (await blob.text()).split('\n').filter(Boolean).length - 1;
            setLink({ url: URL.createObjectURL(blob), rows });
          } catch (failure) {
            setError(failure);
          }
        }}
      >
        <label for="export-channel">Channel</label>
        <select id="export-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
          <option value="">every channel</option>
          {SUBSCRIPTION_CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <label for="export-status">Status</label>
        <select id="export-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">every status</option>
          {SUBSCRIPTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="submit">Prepare export</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {link ? (
        <p role="status">
          <a href={link.url} download="subscriptions.csv">
            Download subscriptions.csv
          </a>{' '}
          ({link.rows} rows)
        </p>
      ) : null}
    </section>
  );
}
