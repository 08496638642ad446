/** Overview: events per minute, totals, warnings by code, recent rejections, sources. */
import type { OverviewStats } from '@exhaust/schema';
import { api } from '../api.js';
import { EventsChart } from '../chart.js';
import { href } from '../router.js';
import { Show, Time, useAsync } from '../ui.js';

export function OverviewPage() {
  const [data] = useAsync(() => api<OverviewStats>('/v1/stats/overview'), []);
  return (
    <>
      <h1>Overview</h1>
      <Show data={data}>
        {(stats) => (
          <>
            <section aria-labelledby="totals-h" class="cards">
              <h2 id="totals-h" class="visually-hidden">
                Totals
              </h2>
              <div class="card">
                <span class="big">{stats.totals.events.toLocaleString()}</span> events
              </div>
              <div class="card">
                <span class="big">{stats.totals.profiles.toLocaleString()}</span> profiles
              </div>
              <div class="card">
                <span class="big">{Math.round(stats.totals.identifiedShare * 100)}%</span> identified (
                {stats.totals.identifiedProfiles} with a userId)
              </div>
            </section>
            <section aria-labelledby="chart-h">
              <h2 id="chart-h">Events per minute</h2>
              <div class="charts">
                <EventsChart series={stats.eventsPerMinute.lastHour} label="Last hour" />
                <EventsChart series={stats.eventsPerMinute.lastDay} label="Last 24 hours" />
              </div>
            </section>
            <section aria-labelledby="warn-h">
              <h2 id="warn-h">Ingestion warnings, last 24 hours</h2>
              {stats.warnings.length === 0 ? (
                <p>None.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Code</th>
                      <th scope="col">Count</th>
                      <th scope="col">Last</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.warnings.map((w) => (
                      <tr key={w.code}>
                        <td>
                          <code>{w.code}</code>
                        </td>
                        <td>{w.count}</td>
                        <td>
                          <Time at={w.lastAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section aria-labelledby="rej-h">
              <h2 id="rej-h">Recent rejected messages</h2>
              {stats.rejections.length === 0 ? (
                <p>None.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Source</th>
                      <th scope="col">messageId</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.rejections.map((r, i) => (
                      <tr key={`${r.at}-${i}`}>
                        <td>
                          <Time at={r.at} />
                        </td>
                        <td>{r.source}</td>
                        <td>{r.messageId ? <a href={href('events', r.messageId)}>{r.messageId}</a> : '(none)'}</td>
                        <td>
                          <code>{r.code}</code> at <code>{r.path.join('.') || '(message)'}</code>: {r.message}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section aria-labelledby="src-h">
              <h2 id="src-h">Sources</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Last event</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.sources.map((s) => (
                    <tr key={s.id}>
                      <td>{s.name}</td>
                      <td>{s.enabled ? 'yes' : 'no'}</td>
                      <td>
                        {s.lastEvent ? (
                          <>
                            <a href={href('events', s.lastEvent.messageId)}>{s.lastEvent.type}</a>{' '}
                            <Time at={s.lastEvent.receivedAt} />
                          </>
                        ) : (
                          'none yet'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </>
        )}
      </Show>
    </>
  );
}
