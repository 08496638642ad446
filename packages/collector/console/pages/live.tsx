/** Live events: the SSE stream with filters and pause; each event opens with its payload and warnings. */
import type { StreamedEvent } from '@exhaust/schema';
import { useEffect, useRef, useState } from 'preact/hooks';
import { followStream } from '../api.js';
import { href } from '../router.js';
import { ErrorNote, Time } from '../ui.js';

/** Events kept on the page; older ones scroll away. */
const MAX_LIVE_EVENTS = 200;

export function LivePage() {
  const [filters, setFilters] = useState({ type: '', event: '', source: '' });
  const [events, setEvents] = useState<StreamedEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState('connecting');
  const [error, setError] = useState<unknown>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v.trim() !== ''));
    const query = params.size ? `?${params}` : '';
    setStatus('connecting');
    setError(null);
    return followStream(
      query,
      (name, data) => {
        if (name === 'ready') setStatus('live');
        if (name !== 'event' || pausedRef.current) return;
        const event = JSON.parse(data) as StreamedEvent;
        setEvents((list) => [event, ...list].slice(0, MAX_LIVE_EVENTS));
      },
      (failure) => {
        setStatus('disconnected');
        setError(failure);
      },
    );
  }, [filters]);
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setFilters({
      type: String(form.get('type') ?? ''),
      event: String(form.get('event') ?? ''),
      source: String(form.get('source') ?? ''),
    });
  };
  return (
    <>
      <h1>Live events</h1>
      <form class="filters" onSubmit={apply}>
        <label>
          Type
          <select name="type" value={filters.type}>
            <option value="">any</option>
            {['track', 'page', 'screen', 'identify', 'group', 'alias'].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event name
          <input name="event" value={filters.event} />
        </label>
        <label>
          Source
          <input name="source" value={filters.source} />
        </label>
        <button type="submit">Apply filters</button>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <p role="status">
        Stream: {paused ? 'paused' : status}. {events.length} shown.
      </p>
      {error ? <ErrorNote error={error} /> : null}
      <ul class="events" aria-label="Events, newest first">
        {events.map((e) => (
          <li key={e.cursor}>
            <details>
              <summary>
                <code>{e.type}</code> {e.type === 'track' ? <strong>{String(e.message.event ?? '')}</strong> : null}{' '}
                <span class="hint">{e.source}</span> <Time at={e.receivedAt} />
                {e.warnings.length ? <span class="badge">{e.warnings.length} warning(s)</span> : null}
              </summary>
              <p>
                messageId <a href={href('events', e.messageId)}>{e.messageId}</a>
                {e.profileId ? (
                  <>
                    {' '}
                    · profile <a href={href('profiles', e.profileId)}>{e.profileId}</a>
                  </>
                ) : null}
              </p>
              {e.warnings.length ? (
                <ul>
                  {e.warnings.map((w, i) => (
                    <li key={i}>
                      <code>{w.code}</code> {w.detail}
                    </li>
                  ))}
                </ul>
              ) : null}
              <pre>{JSON.stringify(e.message, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}
