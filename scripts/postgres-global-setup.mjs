/**
 * Vitest globalSetup of the `postgres` test project: one throwaway cluster for
 * every PostgreSQL test file of the run (each file creates its own database in
 * it), its URL handed down as `EXHAUST_TEST_PG_URL`. An URL already in the
 * environment is used as is (an operator's own server). Without PostgreSQL on
 * the machine the suites skip and this says so once; under `CI=true` a missing
 * PostgreSQL fails the run instead, so CI never skips them.
 */
import { findPostgresBin, startPostgres } from './postgres.mjs';

export default async function setup(project) {
  if (process.env.EXHAUST_TEST_PG_URL) {
    project.provide('pgUrl', process.env.EXHAUST_TEST_PG_URL);
    return undefined;
  }
  if (!findPostgresBin()) {
    const message =
      'PostgreSQL not found (/usr/lib/postgresql/*/bin, EXHAUST_PG_BIN, EXHAUST_PG_ROOT): the PostgreSQL store suites are SKIPPED. ' +
      'Install it with `apt-get install -y postgresql` or set EXHAUST_TEST_PG_URL.';
    if (process.env.CI === 'true') throw new Error(`${message} CI must not skip them.`);
    console.warn(`\n⚠ ${message}\n`);
    project.provide('pgUrl', '');
    return undefined;
  }
  const pg = await startPostgres();
  process.env.EXHAUST_TEST_PG_URL = pg.url;
  project.provide('pgUrl', pg.url);
  return () => pg.stop();
}
