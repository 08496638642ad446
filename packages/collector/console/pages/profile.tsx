/**
 * One profile: identifiers, traits, consent with its history, the event
 * timeline, the identity graph with every merge, and the privileged actions
 * (unmerge, force-merge, erase), each confirmed in a dialog.
 */
import type {
  ConsentRecord,
  DeletionResult,
  MergeRecord,
  Page,
  Profile,
  ProfileView,
  StoredEvent,
} from '@exhaust/schema';
import { useState } from 'preact/hooks';
import { api, refPath } from '../api.js';
import { href, navigate } from '../router.js';
import { ConfirmButton, ErrorNote, Show, Time, useAsync } from '../ui.js';

/** Events per timeline page. */
const TIMELINE_PAGE = 25;

export function ProfilePage({ params }: { params: Record<string, string> }) {
  const ref = params.ref ?? '';
  const [data, reload] = useAsync(
    () =>
      Promise.all([
        api<ProfileView>(refPath(ref)),
        api<{ data: MergeRecord[] }>(`${refPath(ref)}/merges`),
        api<{ data: ConsentRecord[] }>(`${refPath(ref)}/consent`),
      ]),
    [ref],
  );
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <Show data={data}>
        {([profile, merges, consent]) => (
          <>
            <h1>
              {profile.identifiers[0] ? `${profile.identifiers[0].type}:${profile.identifiers[0].value}` : profile.id}
            </h1>
            <p class="hint">
              Profile <code>{profile.id}</code> · first seen <Time at={profile.firstSeen} /> · last seen{' '}
              <Time at={profile.lastSeen} /> · {profile.eventCount} events
              {profile.holdingFor ? ` · holding profile for ${profile.holdingFor}` : ''}
            </p>
            <div class="grid">
              <section aria-labelledby="ids-h">
                <h2 id="ids-h">Identifiers</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">Value</th>
                      <th scope="col">First seen</th>
                      <th scope="col">Contested</th>
                    </tr>
                  </thead>
                  <tbody>
                    {profile.identifiers.map((i) => (
                      <tr key={`${i.type}:${i.value}`}>
                        <td>
                          <code>{i.type}</code>
                        </td>
                        <td>{i.value}</td>
                        <td>
                          <Time at={i.firstSeen} />
                        </td>
                        <td>{i.contested ? <span class="badge warn">contested</span> : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="traits-h">
                <h2 id="traits-h">Traits</h2>
                {Object.keys(profile.traits).length === 0 ? (
                  <p>None.</p>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Trait</th>
                        <th scope="col">Value</th>
                        <th scope="col">Set at</th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(profile.traits).map(([key, value]) => (
                        <tr key={key}>
                          <td>{key}</td>
                          <td>
                            <code>{JSON.stringify(value)}</code>
                          </td>
                          <td>{profile.traitTimestamps[key] ? <Time at={profile.traitTimestamps[key]} /> : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              <section aria-labelledby="consent-h">
                <h2 id="consent-h">Consent</h2>
                {consent.data.length === 0 ? (
                  <p>No consent recorded.</p>
                ) : (
                  <>
                    <ul class="plain">
                      {Object.entries(profile.consent).map(([category, state]) => (
                        <li key={category}>
                          <strong>{category}</strong>: {state.granted ? 'granted' : 'denied'} since{' '}
                          <Time at={state.at} />
                        </li>
                      ))}
                    </ul>
                    <h3>History</h3>
                    <ol>
                      {consent.data.map((c, i) => (
                        <li key={i}>
                          <Time at={c.at} /> {c.category} {c.granted ? 'granted' : 'denied'} (
                          <a href={href('events', c.messageId)}>{c.messageId}</a>)
                        </li>
                      ))}
                    </ol>
                  </>
                )}
              </section>
              <Activation profile={profile} />
            </div>
            <IdentityGraph profile={profile} merges={merges.data} onChange={reload} setNotice={setNotice} />
            <Actions profile={profile} setNotice={setNotice} />
            <Timeline profileRef={profile.id} />
          </>
        )}
      </Show>
    </>
  );
}

/** Computed traits and scores, audience memberships, subscriptions, churn risk. */
function Activation({ profile }: { profile: ProfileView }) {
  const computed = Object.entries(profile.computed ?? {});
  const subscriptions = profile.subscriptions ?? [];
  return (
    <>
      <section aria-labelledby="computed-h" data-slot="Computed traits and scores">
        <h2 id="computed-h">Computed traits and scores</h2>
        {computed.length === 0 ? (
          <p>None defined, or not evaluated yet.</p>
        ) : (
          <>
            <dl class="pairs">
              {computed.map(([key, value]) => (
                <div key={key}>
                  <dt>
                    <a href={href('computed-traits', key)}>{key}</a>
                  </dt>
                  <dd>
                    <code>{JSON.stringify(value)}</code>
                  </dd>
                </div>
              ))}
            </dl>
            {profile.computedAt ? (
              <p class="hint">
                Evaluated <Time at={profile.computedAt} />
              </p>
            ) : null}
          </>
        )}
      </section>
      <section aria-labelledby="audiences-h" data-slot="Audiences">
        <h2 id="audiences-h">Audiences</h2>
        {profile.audiences.length === 0 ? (
          <p>In no audience.</p>
        ) : (
          <ul class="plain">
            {profile.audiences.map((a) => (
              <li key={a.key}>
                <a href={href('audiences', a.key)}>{a.key}</a> since <Time at={a.enteredAt} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="subscriptions-h" data-slot="Subscriptions">
        <h2 id="subscriptions-h">Subscriptions</h2>
        {subscriptions.length === 0 ? (
          <p>No subscription status kept for its addresses.</p>
        ) : (
          <ul class="plain">
            {subscriptions.map((s) => (
              <li key={`${s.channel}:${s.address}`}>
                <strong>{s.channel}</strong> {s.address}: {s.status}
                {s.since ? (
                  <>
                    {' '}
                    since <Time at={s.since} />
                  </>
                ) : null}
                {Object.entries(s.topics).map(([topic, t]) => (
                  <span key={topic} class="badge">
                    {topic}: {t.status}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="churn-h" data-slot="Churn risk">
        <h2 id="churn-h">Churn risk</h2>
        {profile.churn ? (
          <>
            <p>{profile.churn.explanation}</p>
            <dl class="pairs">
              <div>
                <dt>P(alive)</dt>
                <dd>{profile.churn.pAlive.toFixed(2)}</dd>
              </div>
              <div>
                <dt>Expected purchases, 30 / 90 days</dt>
                <dd>
                  {profile.churn.expectedPurchases30d.toFixed(2)} / {profile.churn.expectedPurchases90d.toFixed(2)}
                </dd>
              </div>
              <div>
                <dt>Repeat purchases, weeks to last, weeks since first</dt>
                <dd>
                  {profile.churn.x}, {profile.churn.tx.toFixed(1)}, {profile.churn.T.toFixed(1)}
                </dd>
              </div>
              {profile.churn.meanValue === null ? null : (
                <div>
                  <dt>Mean order value</dt>
                  <dd>{profile.churn.meanValue.toFixed(2)}</dd>
                </div>
              )}
            </dl>
          </>
        ) : (
          <p>No churn figures: no purchases, or no model fitted with enough purchasers yet.</p>
        )}
      </section>
    </>
  );
}

function IdentityGraph(props: {
  profile: Profile;
  merges: MergeRecord[];
  onChange: () => void;
  setNotice: (text: string) => void;
}) {
  const fragments = props.merges.filter((m) => m.active && m.reason !== 'unmerge' && m.refused === null);
  return (
    <section aria-labelledby="graph-h">
      <h2 id="graph-h">Identity graph</h2>
      <p>
        Fragments: <code>{props.profile.id}</code> (survivor)
        {fragments.map((m) => (
          <span key={m.merged}>
            {' '}
            + <code>{m.merged}</code>
          </span>
        ))}
      </p>
      {props.merges.length === 0 ? (
        <p>No merge touched this profile.</p>
      ) : (
        <table>
          <caption>Every merge, refusal and unmerge, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Reason</th>
              <th scope="col">Message</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.merges.map((m, i) => (
              <tr key={i}>
                <td>
                  <Time at={m.at} />
                </td>
                <td>
                  {m.reason === 'unmerge' ? 'unmerged' : m.refused ? 'refused' : 'merged'} <code>{m.merged}</code>{' '}
                  {m.reason === 'unmerge' ? 'from' : 'into'} <code>{m.survivor}</code>
                  {m.reason !== 'unmerge' && !m.refused && !m.active ? ' (undone)' : ''}
                </td>
                <td>{m.refused ? <code>{m.refused}</code> : m.reason}</td>
                <td>{m.messageId ? <a href={href('events', m.messageId)}>{m.messageId}</a> : '—'}</td>
                <td>
                  {m.active && m.reason !== 'unmerge' && !m.refused ? (
                    <ConfirmButton
                      label={`Unmerge ${m.merged}`}
                      title={`Unmerge fragment ${m.merged}?`}
                      confirmLabel="Unmerge"
                      onConfirm={async () => {
                        const result = await api<{ detached: string; from: string }>(`${refPath(m.merged)}/unmerge`, {
                          method: 'POST',
                        });
                        props.setNotice(`Fragment ${result.detached} is its own profile again.`);
                        props.onChange();
                      }}
                    >
                      <p>
                        Fragment <code>{m.merged}</code> will be detached from <code>{props.profile.id}</code> and
                        become its own profile again, taking its identifiers, events, traits and consent with it. The
                        merge record stays in the history.
                      </p>
                    </ConfirmButton>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Actions({ profile, setNotice }: { profile: Profile; setNotice: (text: string) => void }) {
  const [other, setOther] = useState('');
  const [suppress, setSuppress] = useState(true);
  return (
    <section aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      <div class="inline">
        <label for="merge-from">Profile to merge into this one</label>
        <input
          id="merge-from"
          value={other}
          placeholder="p_… or email:…"
          onInput={(e) => setOther(e.currentTarget.value)}
        />
        <ConfirmButton
          label="Force-merge…"
          title="Merge two profiles?"
          confirmLabel="Merge"
          onConfirm={async () => {
            if (!other.trim()) throw new Error('Name the profile to merge first.');
            const result = await api<{ survivor: string; merged: string | null }>('/v1/merges', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ from: other.trim(), into: profile.id }),
            });
            setNotice(
              result.merged ? `Merged ${result.merged} into ${result.survivor}.` : 'They were already one profile.',
            );
            navigate(`${href('profiles', result.survivor)}?t=${Date.now()}`);
          }}
        >
          <p>
            <code>{other || '(the profile you named)'}</code> will be merged into <code>{profile.id}</code>, which
            survives. The identity limits are bypassed; the merge is recorded as <code>admin</code> and can be undone
            with unmerge.
          </p>
        </ConfirmButton>
      </div>
      <div class="inline">
        <label>
          <input type="checkbox" checked={suppress} onChange={(e) => setSuppress(e.currentTarget.checked)} /> Suppress
          its identifiers (drop their future events)
        </label>
        <ConfirmButton
          danger
          label="Erase this person…"
          title="Erase this person?"
          confirmLabel="Erase for good"
          onConfirm={async () => {
            const result = await api<DeletionResult>(`${refPath(profile.id)}?suppress=${suppress}`, {
              method: 'DELETE',
            });
            sessionStorage.setItem(
              'exhaust:v1:notice',
              `Erased: ${result.events} events, ${result.identifiers} identifiers, ${result.traitWrites} trait writes (deletion ${result.deletionId}).`,
            );
            navigate('#/profiles');
          }}
        >
          <p>
            Everything about <code>{profile.id}</code> is deleted: {profile.identifiers.length} identifiers,{' '}
            {profile.eventCount} events, traits, consent history and merge records, on every merged fragment.
            {suppress ? ' Its identifiers are suppressed: later events carrying them are dropped.' : ''} This cannot be
            undone.
          </p>
        </ConfirmButton>
      </div>
    </section>
  );
}

function Timeline({ profileRef }: { profileRef: string }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [page] = useAsync(
    () =>
      api<Page<StoredEvent>>(
        `${refPath(profileRef)}/events?limit=${TIMELINE_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    [profileRef, cursor],
  );
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      {page.state === 'error' ? <ErrorNote error={page.error} /> : null}
      {page.state === 'ready' ? (
        <>
          <ol class="timeline">
            {page.value.data.map((e) => (
              <li key={`${e.source}:${e.messageId}`}>
                <Time at={String(e.message.timestamp ?? e.receivedAt)} /> <code>{e.type}</code>{' '}
                {e.type === 'track' ? <strong>{String(e.message.event ?? '')}</strong> : null}{' '}
                <a href={href('events', e.messageId)}>{e.messageId}</a>
                {e.warnings.map((w, i) => (
                  <span key={i} class="badge">
                    {w.code}
                  </span>
                ))}
              </li>
            ))}
          </ol>
          <nav aria-label="Timeline pages" class="inline">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer
            </button>
            <button
              type="button"
              disabled={!page.value.nextCursor}
              onClick={() => page.value.nextCursor && setCursors([...cursors, page.value.nextCursor])}
            >
              Older
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
