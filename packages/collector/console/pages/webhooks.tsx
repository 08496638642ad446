/**
 * Webhooks: each endpoint with its health; an endpoint's deliveries with every
 * attempt, retry one, replay the failed ones of a period, rotate the signing
 * secret (the new one is shown once) and send a test.
 */
import type { Page, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '@exhaust/schema';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { href } from '../router.js';
import { ConfirmButton, ErrorNote, Show, Time, useAsync } from '../ui.js';

/** Deliveries shown per page. */
const DELIVERIES_PAGE = 25;

const path = (id: string, rest = '') => `/v1/webhooks/${encodeURIComponent(id)}${rest}`;

function Health({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { health } = endpoint;
  if (!endpoint.enabled) {
    return (
      <span>
        <span class="badge warn">disabled</span> {endpoint.disabledReason ?? 'by an operator'}
      </span>
    );
  }
  if (health.failingSince) {
    return (
      <span>
        <span class="badge warn">failing</span> since <Time at={health.failingSince} />
      </span>
    );
  }
  return <span class="badge">{health.lastSuccessAt ? 'healthy' : 'no attempt yet'}</span>;
}

const When = ({ at }: { at: string | null }) => (at ? <Time at={at} /> : <>never</>);

export function WebhooksPage() {
  const [data] = useAsync(() => api<{ data: WebhookEndpoint[] }>('/v1/webhooks'), []);
  return (
    <>
      <h1>Webhooks</h1>
      <p class="hint">
        Endpoints are created with <code>POST /v1/webhooks</code> (see the README); their secrets are never shown again.
      </p>
      <Show data={data}>
        {(list) =>
          list.data.length === 0 ? (
            <p>No endpoint yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Events</th>
                  <th scope="col">Health</th>
                  <th scope="col">Last success</th>
                  <th scope="col">Last failure</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <a href={href('webhooks', e.id)}>{e.description ?? e.url}</a>
                      <div class="hint">{e.url}</div>
                    </td>
                    <td>{e.events.join(', ')}</td>
                    <td>
                      <Health endpoint={e} />
                    </td>
                    <td>
                      <When at={e.health.lastSuccessAt} />
                    </td>
                    <td>
                      <When at={e.health.lastFailureAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

export function WebhookPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const [data, reload] = useAsync(() => api<WebhookEndpoint>(path(id)), [id]);
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = () => {
    reload();
    setTick((t) => t + 1);
  };
  const done = (text: string) => {
    setNotice(text);
    refresh();
  };
  return (
    <Show data={data}>
      {(endpoint) => (
        <>
          <h1>{endpoint.description ?? endpoint.url}</h1>
          <p class="hint">
            <code>{endpoint.id}</code> · {endpoint.url} · {endpoint.events.join(', ')}
          </p>
          {notice ? (
            <p class="notice" role="status">
              {notice}
            </p>
          ) : null}
          <section aria-labelledby="health-h">
            <h2 id="health-h">Health</h2>
            <dl class="pairs">
              <div>
                <dt>State</dt>
                <dd>
                  <Health endpoint={endpoint} />
                </dd>
              </div>
              <div>
                <dt>Last success</dt>
                <dd>
                  <When at={endpoint.health.lastSuccessAt} />
                </dd>
              </div>
              <div>
                <dt>Last failure</dt>
                <dd>
                  <When at={endpoint.health.lastFailureAt} />
                </dd>
              </div>
              <div>
                <dt>Failing since</dt>
                <dd>{endpoint.health.failingSince ? <Time at={endpoint.health.failingSince} /> : 'not failing'}</dd>
              </div>
              <div>
                <dt>Disabled reason</dt>
                <dd>{endpoint.disabledReason ?? (endpoint.enabled ? 'enabled' : 'disabled by an operator')}</dd>
              </div>
            </dl>
          </section>
          <section aria-labelledby="endpoint-actions-h">
            <h2 id="endpoint-actions-h">Actions</h2>
            <div class="inline">
              <button
                type="button"
                onClick={async () => {
                  try {
                    const sent = await api<{ id: string }>(path(id, '/test'), { method: 'POST' });
                    setNotice(`Test ${sent.id} queued.`);
                    refresh();
                  } catch (error) {
                    setNotice(`Test not sent: ${error instanceof Error ? error.message : String(error)}`);
                  }
                }}
              >
                Send a test
              </button>
              <ConfirmButton
                label="Rotate secret…"
                title="Rotate the signing secret?"
                confirmLabel="Rotate"
                onConfirm={async () => {
                  const rotated = await api<{ secret: string }>(path(id, '/rotate-secret'), { method: 'POST' });
                  setSecret(rotated.secret);
                }}
              >
                <p>
                  A new secret signs every request from now on. The old ones keep signing beside it for 24 hours, so the
                  receiver has a day to switch. The new secret is shown once.
                </p>
              </ConfirmButton>
            </div>
            {secret ? (
              <div class="notice" role="status">
                <p>New signing secret (shown this once; copy it to the receiver now):</p>
                <pre>
                  <code>{secret}</code>
                </pre>
              </div>
            ) : null}
            <Replay id={id} onDone={done} />
          </section>
          <Deliveries key={tick} id={id} onRetried={done} />
        </>
      )}
    </Show>
  );
}

function Replay({ id, onDone }: { id: string; onDone: (text: string) => void }) {
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="inline"
      aria-label="Replay failed deliveries"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const answer = await api<{ requeued: number }>(path(id, '/replay'), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ since: new Date(since).toISOString() }),
          });
          onDone(`${answer.requeued} failed deliveries queued again.`);
        } catch (failure) {
          setError(failure);
        }
      }}
    >
      <label for="replay-since">Replay failed deliveries created since</label>
      <input id="replay-since" type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
      <button type="submit">Replay</button>
      {error ? <ErrorNote error={error} /> : null}
    </form>
  );
}

function Deliveries({ id, onRetried }: { id: string; onRetried: (text: string) => void }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [page] = useAsync(
    () =>
      api<Page<WebhookDelivery>>(
        path(
          id,
          `/deliveries?limit=${DELIVERIES_PAGE}${status ? `&status=${status}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      ),
    [id, status, cursor],
  );
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Deliveries</h2>
      <div class="inline">
        <label for="delivery-status">Status</label>
        <select
          id="delivery-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as WebhookDeliveryStatus | '');
            setCursors([]);
          }}
        >
          <option value="">any</option>
          <option value="pending">pending</option>
          <option value="delivered">delivered</option>
          <option value="failed">failed</option>
        </select>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <Show data={page}>
        {(deliveries) => (
          <>
            {deliveries.data.length === 0 ? <p>No delivery.</p> : null}
            <ul class="events">
              {deliveries.data.map((d) => (
                <li key={d.id}>
                  <details>
                    <summary>
                      <code>{d.type}</code>{' '}
                      <span class={d.status === 'failed' ? 'badge warn' : 'badge'}>{d.status}</span> {d.attempts.length}{' '}
                      attempts · created <Time at={d.createdAt} /> · <code>{d.id}</code>
                    </summary>
                    <table>
                      <caption>Attempts of {d.id}</caption>
                      <thead>
                        <tr>
                          <th scope="col">At</th>
                          <th scope="col">Status</th>
                          <th scope="col">Duration</th>
                          <th scope="col">Response or error</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.attempts.map((a, i) => (
                          <tr key={i}>
                            <td>
                              <Time at={a.at} />
                            </td>
                            <td>{a.statusCode ?? '—'}</td>
                            <td>{a.durationMs} ms</td>
                            <td>
                              <code>{a.error ?? a.response ?? ''}</code>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    {d.nextAttemptAt ? (
                      <p>
                        Next attempt <Time at={d.nextAttemptAt} />
                      </p>
                    ) : null}
                    <pre>
                      <code>{d.payload}</code>
                    </pre>
                  </details>
                  <button
                    type="button"
                    aria-label={`Retry ${d.id}`}
                    onClick={async () => {
                      setError(null);
                      try {
                        await api(path(id, `/deliveries/${encodeURIComponent(d.id)}/retry`), { method: 'POST' });
                        onRetried(`Delivery ${d.id} is sent again now.`);
                      } catch (failure) {
                        setError(failure);
                      }
                    }}
                  >
                    Retry
                  </button>
                </li>
              ))}
            </ul>
            <nav aria-label="Delivery pages" class="inline">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer
              </button>
              <button
                type="button"
                disabled={!deliveries.nextCursor}
                onClick={() => deliveries.nextCursor && setCursors([...cursors, deliveries.nextCursor])}
              >
                Older
              </button>
            </nav>
          </>
        )}
      </Show>
    </section>
  );
}
