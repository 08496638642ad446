/** "What happened to this event?": the stored event, or why it is not stored. */
import type { EventNotFoundBody, StoredEvent } from '@exhaust/schema';
import { useState } from 'preact/hooks';
import { ApiFailure, api } from '../api.js';
import { href, navigate } from '../router.js';
import { ErrorNote, Loading, Time, useAsync } from '../ui.js';

const FATES: Record<EventNotFoundBody['error']['fate'], string> = {
  suppressed: 'Not stored: it was suppressed, because it carried an identifier of a person erased with suppress=true.',
  duplicate: 'Not stored: a duplicate of a message with the same messageId that was stored earlier and erased since.',
  erased: 'Not stored any more: it was stored, then erased with its person.',
  rejected: 'Not stored: it was rejected by validation.',
  unknown: 'The collector has no record of this messageId: never received, or its record is gone.',
};

export function EventLookupForm({ initial = '' }: { initial?: string }) {
  const [id, setId] = useState(initial);
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) navigate(href('events', id.trim()));
      }}
    >
      <label for="message-id">messageId</label>
      <input id="message-id" value={id} onInput={(e) => setId(e.currentTarget.value)} required />
      <button type="submit">Look up</button>
    </form>
  );
}

export function EventPage({ params }: { params: Record<string, string> }) {
  const messageId = params.messageId ?? '';
  const [data] = useAsync(
    () =>
      api<StoredEvent>(`/v1/events/${encodeURIComponent(messageId)}`).then(
        (event) => ({ event, notStored: null }),
        (error) => {
          if (error instanceof ApiFailure && error.status === 404) {
            return { event: null, notStored: error.body as unknown as EventNotFoundBody['error'] };
          }
          throw error;
        },
      ),
    [messageId],
  );
  return (
    <>
      <h1>What happened to this event?</h1>
      <EventLookupForm initial={messageId} />
      {data.state === 'loading' ? <Loading /> : null}
      {data.state === 'error' ? <ErrorNote error={data.error} /> : null}
      {data.state === 'ready' && data.value.event ? (
        <section aria-labelledby="stored-h">
          <h2 id="stored-h">Stored</h2>
          <p class="verdict">
            Stored from source <strong>{data.value.event.source}</strong>, received{' '}
            <Time at={data.value.event.receivedAt} />
            {data.value.event.profileId ? (
              <>
                , on profile <a href={href('profiles', data.value.event.profileId)}>{data.value.event.profileId}</a>
              </>
            ) : (
              ', attached to no profile'
            )}
            .
          </p>
          <Decisions warnings={data.value.event.warnings} />
          <pre>{JSON.stringify(data.value.event.message, null, 2)}</pre>
        </section>
      ) : null}
      {data.state === 'ready' && data.value.notStored ? (
        <section aria-labelledby="fate-h">
          <h2 id="fate-h">Not stored</h2>
          <p class="verdict" data-fate={data.value.notStored.fate}>
            {FATES[data.value.notStored.fate]}
          </p>
          <Decisions warnings={data.value.notStored.warnings} />
          {data.value.notStored.rejections.length ? (
            <ul>
              {data.value.notStored.rejections.map((r, i) => (
                <li key={i}>
                  <Time at={r.at} /> from <strong>{r.source}</strong>: <code>{r.code}</code> at{' '}
                  <code>{r.path.join('.') || '(message)'}</code>: {r.message}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

function Decisions({ warnings }: { warnings: { code: string; detail: string | null; at?: string }[] }) {
  if (warnings.length === 0) return <p>No warnings were recorded for it.</p>;
  return (
    <>
      <h3>Decisions recorded</h3>
      <ul>
        {warnings.map((w, i) => (
          <li key={i}>
            <code>{w.code}</code> {w.detail ? <span>{w.detail}</span> : null}{' '}
            {w.at ? (
              <>
                at <Time at={w.at} />
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}
