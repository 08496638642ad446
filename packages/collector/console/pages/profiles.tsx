/** Profiles: search by any identifier or trait value, and "why not merged?" for two identifiers. */
import type { MergeRecord, Page, Profile, StoredEvent } from '@exhaust/schema';
import { useState } from 'preact/hooks';
import { ApiFailure, api, refPath } from '../api.js';
import { href } from '../router.js';
import { ErrorNote, Loading, Show, Time, useAsync } from '../ui.js';
import { EventLookupForm } from './event.js';

/** Warning codes that explain why two identifiers are not on one profile. */
const LINK_WARNINGS = new Set([
  'identifier_contested',
  'merge_refused_unique_conflict',
  'merge_limit_reached',
  'identifier_limit_dropped',
  'identifier_demoted',
  'blocked_identifier',
  'invalid_identifier',
]);

const label = (p: Profile) => (p.identifiers[0] ? `${p.identifiers[0].type}:${p.identifiers[0].value}` : p.id);

export function ProfilesPage() {
  const [query, setQuery] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '');
  const [submitted, setSubmitted] = useState(query);
  const [results] = useAsync(
    () =>
      submitted.trim()
        ? api<Page<Profile>>(`/v1/profiles?q=${encodeURIComponent(submitted.trim())}`)
        : api<Page<Profile>>('/v1/profiles?limit=20'),
    [submitted],
  );
  return (
    <>
      <h1>Profiles</h1>
      <form
        aria-label="Search profiles"
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(query);
        }}
      >
        <label for="profile-q">Search</label>
        <input
          id="profile-q"
          value={query}
          placeholder="email:ada@example.com, u-123, an anonymousId, p_…, a trait value"
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
      <Show data={results}>
        {(page) =>
          page.data.length === 0 ? (
            <p role="status">No profile matches.</p>
          ) : (
            <table>
              <caption>{submitted.trim() ? `Profiles matching “${submitted.trim()}”` : 'Newest profiles'}</caption>
              <thead>
                <tr>
                  <th scope="col">Profile</th>
                  <th scope="col">Identifiers</th>
                  <th scope="col">Events</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={href('profiles', p.id)}>{label(p)}</a>
                      {p.holdingFor ? <span class="badge">holding for {p.holdingFor}</span> : null}
                    </td>
                    <td>{p.identifiers.map((i) => `${i.type}:${i.value}`).join(', ')}</td>
                    <td>{p.eventCount}</td>
                    <td>
                      <Time at={p.lastSeen} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      <WhyNotMerged />
      <section aria-labelledby="what-h">
        <h2 id="what-h">What happened to this event?</h2>
        <EventLookupForm />
      </section>
    </>
  );
}

interface Finding {
  profile: Profile | null;
  merges: MergeRecord[];
  warnings: { messageId: string; code: string; detail: string | null; at: string }[];
}

async function findingsOf(ref: string): Promise<Finding> {
  let profile: Profile;
  try {
    profile = await api<Profile>(refPath(ref));
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return { profile: null, merges: [], warnings: [] };
    throw error;
  }
  const [merges, events] = await Promise.all([
    api<{ data: MergeRecord[] }>(`${refPath(ref)}/merges`),
    api<Page<StoredEvent>>(`${refPath(ref)}/events?limit=200`),
  ]);
  const warnings = events.data.flatMap((e) =>
    e.warnings
      .filter((w) => LINK_WARNINGS.has(w.code))
      .map((w) => ({ messageId: e.messageId, code: w.code, detail: w.detail, at: e.receivedAt })),
  );
  return { profile, merges: merges.data, warnings };
}

function WhyNotMerged() {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [asked, setAsked] = useState<[string, string] | null>(null);
  const [answer] = useAsync(
    () => (asked ? Promise.all([findingsOf(asked[0]), findingsOf(asked[1])]) : Promise.resolve(null)),
    [asked],
  );
  return (
    <section aria-labelledby="why-h">
      <h2 id="why-h">Why not merged?</h2>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked([a.trim(), b.trim()]);
        }}
      >
        <label for="why-a">First identifier</label>
        <input id="why-a" value={a} required placeholder="userId:u-1" onInput={(e) => setA(e.currentTarget.value)} />
        <label for="why-b">Second identifier</label>
        <input id="why-b" value={b} required placeholder="anonymousId:…" onInput={(e) => setB(e.currentTarget.value)} />
        <button type="submit">Explain</button>
      </form>
      {asked && answer.state === 'loading' ? <Loading /> : null}
      {answer.state === 'error' ? <ErrorNote error={answer.error} /> : null}
      {asked && answer.state === 'ready' && answer.value ? <WhyAnswer refs={asked} findings={answer.value} /> : null}
    </section>
  );
}

function WhyAnswer({ refs, findings }: { refs: [string, string]; findings: [Finding, Finding] }) {
  const [first, second] = findings;
  const missing = refs.filter((_, i) => findings[i]?.profile === null);
  if (missing.length) {
    return (
      <p class="verdict" role="status">
        No profile has{' '}
        {missing.map((r) => (
          <code key={r}>{r}</code>
        ))}
        : no stored event carried it (or it was blocked, invalid or erased). The missing event is one that names both
        identifiers.
      </p>
    );
  }
  if (first.profile?.id === second.profile?.id) {
    return (
      <p class="verdict" role="status">
        They are merged: both are on profile <a href={href('profiles', first.profile!.id)}>{first.profile!.id}</a>.
      </p>
    );
  }
  const contested = [first, second].flatMap((f) =>
    f.profile!.identifiers.filter((i) => i.contested).map((i) => ({ ...i, profile: f.profile!.id })),
  );
  const refused = [...first.merges, ...second.merges].filter(
    (m, i, all) => m.refused !== null && all.findIndex((o) => o.at === m.at && o.merged === m.merged) === i,
  );
  const warnings = [...first.warnings, ...second.warnings];
  const nothing = contested.length === 0 && refused.length === 0 && warnings.length === 0;
  return (
    <div role="status">
      <p class="verdict">
        Not merged: <code>{refs[0]}</code> is on <a href={href('profiles', first.profile!.id)}>{first.profile!.id}</a>,{' '}
        <code>{refs[1]}</code> on <a href={href('profiles', second.profile!.id)}>{second.profile!.id}</a>.
        {nothing ? ' No event linked them and nothing was refused: the missing event is one that carries both.' : ''}
      </p>
      {contested.length ? (
        <>
          <h3>Contested identifiers</h3>
          <ul>
            {contested.map((i) => (
              <li key={`${i.type}:${i.value}`}>
                <code>
                  {i.type}:{i.value}
                </code>{' '}
                is contested (seen with more than one person), so it links no one (first seen <Time at={i.firstSeen} />
                ).
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {refused.length ? (
        <>
          <h3>Refused links</h3>
          <ul>
            {refused.map((m) => (
              <li key={`${m.at}-${m.merged}`}>
                <code>{m.refused}</code>: {m.merged} into {m.survivor} at <Time at={m.at} />
                {m.messageId ? (
                  <>
                    {' '}
                    by message <a href={href('events', m.messageId)}>{m.messageId}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {warnings.length ? (
        <>
          <h3>Warnings</h3>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>
                <code>{w.code}</code> {w.detail} on message <a href={href('events', w.messageId)}>{w.messageId}</a> at{' '}
                <Time at={w.at} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
