/** Settings, read only: store, sources with origins and masked keys, limits, identity policy. */
import type { CollectorSettings } from '@exhaust/schema';
import { api } from '../api.js';
import { Show, Time, useAsync } from '../ui.js';

export function SettingsPage() {
  const [data] = useAsync(() => api<CollectorSettings>('/v1/settings'), []);
  return (
    <>
      <h1>Settings</h1>
      <p class="hint">Read only. Change them in the config file or through the sources and keys API.</p>
      <Show data={data}>
        {(settings) => (
          <>
            <h2>Store</h2>
            <p>
              <code>{settings.store.kind}</code>
            </p>
            <h2>Sources</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Allowed origins</th>
                  <th scope="col">Write keys (masked)</th>
                  <th scope="col">Enabled</th>
                </tr>
              </thead>
              <tbody>
                {settings.sources.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.name} <span class="hint">({s.id})</span>
                    </td>
                    <td>{s.allowedOrigins.length ? s.allowedOrigins.join(', ') : 'none (server-side only)'}</td>
                    <td>
                      <ul class="plain">
                        {s.keys.map((k) => (
                          <li key={k.id}>
                            <code>{k.hint}</code>{' '}
                            {k.revokedAt ? (
                              <>
                                revoked <Time at={k.revokedAt} />
                              </>
                            ) : (
                              'active'
                            )}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{s.enabled ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Limits</h2>
            <dl class="pairs">
              {Object.entries(settings.limits).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{value.toLocaleString()}</dd>
                </div>
              ))}
            </dl>
            <h2>Identity policy</h2>
            <dl class="pairs">
              <div>
                <dt>Contested identifiers</dt>
                <dd>{settings.identity.contestedMode}</dd>
              </div>
              <div>
                <dt>Merges per profile, at most</dt>
                <dd>{settings.identity.maxMergesPerProfile}</dd>
              </div>
              <div>
                <dt>Identifier value length, at most</dt>
                <dd>{settings.identity.maxValueLength}</dd>
              </div>
            </dl>
            <table>
              <thead>
                <tr>
                  <th scope="col">Identifier type</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Per profile, at most</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(settings.identity.priorities).map(([type, priority]) => (
                  <tr key={type}>
                    <td>
                      <code>{type}</code>
                    </td>
                    <td>{priority}</td>
                    <td>{settings.identity.limits[type] ?? settings.identity.customLimit}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Show>
    </>
  );
}
