/**
 * Audiences and computed traits: the list with sizes; each audience with its
 * definition editor (validation errors at the failing node, a preview before
 * saving), its members and its recent enter/exit changes.
 */
import type {
  ApiIssue,
  AudienceChange,
  AudienceMember,
  AudienceResource,
  ComputedTraitResource,
  DefinitionPreview,
  Page,
} from '@exhaust/schema';
import { useState } from 'preact/hooks';
import { ApiFailure, api } from '../api.js';
import { DefinitionTree, nodeId, pathLabel } from '../definition-tree.js';
import { href, navigate } from '../router.js';
import { ErrorNote, Show, Time, useAsync } from '../ui.js';

type Kind = 'audience' | 'computed-trait';
const BASE: Record<Kind, string> = { audience: '/v1/audiences', 'computed-trait': '/v1/computed-traits' };
/** Members and changes shown per page. */
const MEMBERS_PAGE = 50;
const RECENT_CHANGES = 50;

const TEMPLATES: Record<Kind, object> = {
  audience: {
    key: 'new_audience',
    name: 'New audience',
    condition: {
      all: [
        { trait: 'plan', op: 'eq', value: 'pro' },
        { event: 'Order Completed', within: '30d' },
      ],
    },
  },
  'computed-trait': { key: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' },
};

/** Saved fields the API adds, left out of the editor's JSON. */
function editable(resource: object): object {
  const { status, createdAt, updatedAt, size, ...definition } = resource as Record<string, unknown>;
  return definition;
}

export function AudiencesPage() {
  const [data] = useAsync(
    () =>
      Promise.all([
        api<{ data: AudienceResource[] }>('/v1/audiences'),
        api<{ data: ComputedTraitResource[] }>('/v1/computed-traits'),
      ]),
    [],
  );
  return (
    <>
      <h1>Audiences and computed traits</h1>
      <p class="inline">
        <a class="button" href="#/new/audience">
          New audience
        </a>
        <a class="button" href="#/new/computed-trait">
          New computed trait
        </a>
      </p>
      <Show data={data}>
        {([audiences, traits]) => (
          <>
            <h2>Audiences</h2>
            {audiences.data.length === 0 ? (
              <p>No audience yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Audience</th>
                    <th scope="col">Key</th>
                    <th scope="col">Members</th>
                    <th scope="col">Status</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {audiences.data.map((a) => (
                    <tr key={a.key}>
                      <td>
                        <a href={href('audiences', a.key)}>{a.name}</a>
                      </td>
                      <td>
                        <code>{a.key}</code>
                      </td>
                      <td>{a.size.toLocaleString()}</td>
                      <td>{a.status}</td>
                      <td>
                        <Time at={a.updatedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h2>Computed traits and scores</h2>
            {traits.data.length === 0 ? (
              <p>No computed trait yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Reads</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {traits.data.map((t) => (
                    <tr key={t.key}>
                      <td>
                        <a href={href('computed-traits', t.key)}>{t.key}</a>
                      </td>
                      <td>{t.kind}</td>
                      <td>{t.event ?? (t.rules ? `${t.rules.length} rules` : '')}</td>
                      <td>{t.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Show>
    </>
  );
}

/** `#/new/audience`, `#/new/computed-trait`. */
export function NewDefinitionPage({ params }: { params: Record<string, string> }) {
  const kind: Kind = params.kind === 'computed-trait' ? 'computed-trait' : 'audience';
  return (
    <>
      <h1>{kind === 'audience' ? 'New audience' : 'New computed trait'}</h1>
      <DefinitionEditor kind={kind} initial={TEMPLATES[kind]} />
    </>
  );
}

export function AudiencePage({ params }: { params: Record<string, string> }) {
  const key = params.key ?? '';
  const [data] = useAsync(() => api<AudienceResource>(`/v1/audiences/${encodeURIComponent(key)}`), [key]);
  return (
    <Show data={data}>
      {(audience) => (
        <>
          <h1>{audience.name}</h1>
          <p class="hint">
            <code>{audience.key}</code> · {audience.size.toLocaleString()} members · {audience.status} · updated{' '}
            <Time at={audience.updatedAt} />
          </p>
          <div class="grid">
            <Members audienceKey={key} />
            <RecentChanges audienceKey={key} />
          </div>
          <h2>Definition</h2>
          <DefinitionEditor kind="audience" initial={editable(audience)} existingKey={key} />
        </>
      )}
    </Show>
  );
}

export function ComputedTraitPage({ params }: { params: Record<string, string> }) {
  const key = params.key ?? '';
  const [data] = useAsync(() => api<ComputedTraitResource>(`/v1/computed-traits/${encodeURIComponent(key)}`), [key]);
  return (
    <Show data={data}>
      {(trait) => (
        <>
          <h1>{trait.name ?? trait.key}</h1>
          <p class="hint">
            <code>{trait.key}</code> · {trait.kind} · {trait.status} · updated <Time at={trait.updatedAt} />
          </p>
          <DefinitionEditor kind="computed-trait" initial={editable(trait)} existingKey={key} />
        </>
      )}
    </Show>
  );
}

function Members({ audienceKey }: { audienceKey: string }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [page] = useAsync(
    () =>
      api<Page<AudienceMember>>(
        `/v1/audiences/${encodeURIComponent(audienceKey)}/members?limit=${MEMBERS_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    [audienceKey, cursor],
  );
  return (
    <section aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <Show data={page}>
        {(members) => (
          <>
            {members.data.length === 0 ? <p>Nobody is in this audience.</p> : null}
            <ul class="plain">
              {members.data.map((m) => (
                <li key={m.profileId}>
                  <a href={href('profiles', m.profileId)}>{m.profileId}</a> entered <Time at={m.enteredAt} />
                </li>
              ))}
            </ul>
            <nav aria-label="Member pages" class="inline">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </button>
              <button
                type="button"
                disabled={!members.nextCursor}
                onClick={() => members.nextCursor && setCursors([...cursors, members.nextCursor])}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </Show>
    </section>
  );
}

function RecentChanges({ audienceKey }: { audienceKey: string }) {
  const [page] = useAsync(
    () =>
      api<Page<AudienceChange>>(
        `/v1/audiences/${encodeURIComponent(audienceKey)}/changes?limit=${RECENT_CHANGES}&order=desc`,
      ),
    [audienceKey],
  );
  return (
    <section aria-labelledby="changes-h">
      <h2 id="changes-h">Recent changes</h2>
      <Show data={page}>
        {(changes) =>
          changes.data.length === 0 ? (
            <p>No enter or exit yet.</p>
          ) : (
            <ol class="timeline">
              {changes.data.map((c) => (
                <li key={c.messageId}>
                  <Time at={c.at} /> <span class={c.change === 'entered' ? 'badge' : 'badge warn'}>{c.change}</span>{' '}
                  <a href={href('profiles', c.profileId)}>{c.profileId}</a> ({c.reason}, #{c.seq})
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </section>
  );
}

/**
 * The definition as JSON, its structure with the issues at their nodes, a
 * preview (size estimate and sample members) and save (create or replace).
 */
function DefinitionEditor(props: { kind: Kind; initial: object; existingKey?: string }) {
  const [text, setText] = useState(() => JSON.stringify(props.initial, null, 2));
  const [issues, setIssues] = useState<ApiIssue[]>([]);
  const [syntax, setSyntax] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [preview, setPreview] = useState<DefinitionPreview | null>(null);
  const [busy, setBusy] = useState(false);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const base = BASE[props.kind];

  const run = async <T,>(path: string, method: string): Promise<T | null> => {
    setFailure(null);
    setIssues([]);
    setSyntax(null);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      setSyntax(error instanceof Error ? error.message : String(error));
      return null;
    }
    setBusy(true);
    try {
      return await api<T>(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      if (error instanceof ApiFailure && error.body.issues?.length) setIssues(error.body.issues);
      else setFailure(error);
      return null;
    } finally {
      setBusy(false);
    }
  };

  const onPreview = async () => {
    setPreview(null);
    const result = await run<DefinitionPreview>(`${base}/preview`, 'POST');
    if (result) setPreview(result);
  };
  const onSave = async () => {
    const path = props.existingKey ? `${base}/${encodeURIComponent(props.existingKey)}` : base;
    const saved = await run<{ key: string }>(path, props.existingKey ? 'PUT' : 'POST');
    if (!saved) return;
    sessionStorage.setItem('exhaust:v1:notice', `Saved ${saved.key}: its members are being evaluated.`);
    const target = href(props.kind === 'audience' ? 'audiences' : 'computed-traits', saved.key);
    navigate(`${target}?t=${Date.now()}`);
  };

  return (
    <section aria-label="Definition editor" class="editor">
      <div class="grid">
        <div>
          <label for="definition-json">Definition (JSON)</label>
          <textarea
            id="definition-json"
            rows={18}
            spellcheck={false}
            value={text}
            aria-invalid={syntax || issues.length ? 'true' : undefined}
            aria-describedby="definition-help definition-problems"
            onInput={(e) => {
              setText(e.currentTarget.value);
              setPreview(null);
            }}
          />
          <p id="definition-help" class="hint">
            The same body as <code>POST {base}</code>. Preview evaluates it without saving.
          </p>
        </div>
        <div>
          <h3 id="structure-h">Structure</h3>
          {parsed === null ? (
            <p class="hint">Not valid JSON yet.</p>
          ) : (
            <DefinitionTree definition={parsed} issues={issues} />
          )}
        </div>
      </div>
      <div id="definition-problems">
        {syntax ? (
          <p class="error" role="alert">
            The JSON does not parse: {syntax}
          </p>
        ) : null}
        {issues.length ? (
          <div class="error" role="alert">
            <p>{issues.length === 1 ? 'One problem' : `${issues.length} problems`}, marked in the structure:</p>
            <ul>
              {issues.map((issue, i) => (
                <li key={i}>
                  <button
                    type="button"
                    class="link"
                    onClick={() => document.getElementById(nodeId(closestNode(issue.path)))?.focus()}
                  >
                    {pathLabel(issue.path)}
                  </button>
                  : {issue.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {failure ? <ErrorNote error={failure} /> : null}
      </div>
      <div class="inline">
        <button type="button" disabled={busy} onClick={onPreview}>
          Preview
        </button>
        <button type="button" class="primary" disabled={busy} onClick={onSave}>
          {props.existingKey ? 'Save changes' : 'Save'}
        </button>
      </div>
      {preview ? <PreviewResult preview={preview} kind={props.kind} /> : null}
    </section>
  );
}

/** The deepest node the tree shows for a path (ids exist for each node). */
function closestNode(path: (string | number)[]): (string | number)[] {
  for (let end = path.length; end > 0; end--) {
    const candidate = path.slice(0, end);
    if (document.getElementById(nodeId(candidate))) return candidate;
  }
  return [];
}

function PreviewResult({ preview, kind }: { preview: DefinitionPreview; kind: Kind }) {
  return (
    <section aria-labelledby="preview-h" class="preview" role="status">
      <h3 id="preview-h">Preview</h3>
      <p class="big">
        {kind === 'audience' ? 'Estimated size' : 'Profiles with a value, estimated'}:{' '}
        <strong>{preview.estimatedSize.toLocaleString()}</strong>
      </p>
      <p class="hint">
        {preview.exact
          ? `Exact: every one of the ${preview.totalProfiles.toLocaleString()} profiles was evaluated; ${preview.matched.toLocaleString()} matched.`
          : `Estimated from a sample of the newest ${preview.sampled.toLocaleString()} of ${preview.totalProfiles.toLocaleString()} profiles, of which ${preview.matched.toLocaleString()} matched.`}{' '}
        Nothing was saved.
      </p>
      {preview.sample.length ? (
        <>
          <h4>Sample of members</h4>
          <ul class="plain">
            {preview.sample.map((m) => (
              <li key={m.profileId}>
                <a href={href('profiles', m.profileId)}>{m.profileId}</a>
                {'value' in m ? (
                  <>
                    {' '}
                    <code>{JSON.stringify(m.value)}</code>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
