import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG, type IdentityConfig, identityConfigSchema } from './config.js';
import type { Identifier } from './identifiers.js';
import { type IdentitySnapshot, planResolution } from './plan.js';

/** `type:value` strings to identifiers. */
const ids = (...keys: string[]): Identifier[] =>
  keys.map((key) => {
    const at = key.indexOf(':');
    return { type: key.slice(0, at), value: key.slice(at + 1) };
  });

interface ProfileSpec {
  /** Profile (root fragment) id; also its creation order unless `createdSeq` is given. */
  id: number;
  createdSeq?: number;
  fragments?: number;
  /** identifier key -> owning fragment (defaults to the profile's root). */
  holds: Record<string, number | undefined>;
  contested?: string[];
}

function snapshot(...profiles: ProfileSpec[]): IdentitySnapshot {
  const identifiers = new Map();
  const byId = new Map();
  for (const p of profiles) {
    const counts: Record<string, number> = {};
    for (const [key, fragment] of Object.entries(p.holds)) {
      const type = key.slice(0, key.indexOf(':'));
      counts[type] = (counts[type] ?? 0) + 1;
      identifiers.set(key, { fragmentId: fragment ?? p.id, profileId: p.id, contested: !!p.contested?.includes(key) });
    }
    byId.set(p.id, { createdSeq: p.createdSeq ?? p.id, fragmentCount: p.fragments ?? 1, counts });
  }
  return { identifiers, profiles: byId };
}

const EMPTY = snapshot();
const quarantine = DEFAULT_IDENTITY_CONFIG;
const firstOwner = identityConfigSchema.parse({ contestedMode: 'first-owner' });

interface Row {
  name: string;
  identifiers: Identifier[];
  snapshot: IdentitySnapshot;
  config?: IdentityConfig;
  expected: Record<string, unknown>;
}

const rows: Row[] = [
  {
    name: 'first anonymous event creates a profile',
    identifiers: ids('anonymousId:a'),
    snapshot: EMPTY,
    expected: { kind: 'attach', fragmentId: null, claim: ids('anonymousId:a'), merges: [], contest: [], warnings: [] },
  },
  {
    name: 'signup: a new userId is claimed by the anonymous fragment',
    identifiers: ids('userId:u-1', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'anonymousId:a': 1 } }),
    expected: { kind: 'attach', fragmentId: 1, claim: ids('userId:u-1'), merges: [], warnings: [] },
  },
  {
    name: 'login on a second device merges into the earliest-created profile',
    identifiers: ids('userId:u-1', 'anonymousId:b'),
    snapshot: snapshot(
      { id: 2, holds: { 'anonymousId:b': 2 } },
      { id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 } },
    ),
    expected: { kind: 'attach', fragmentId: 1, claim: [], merges: [{ loser: 2, survivor: 1 }], warnings: [] },
  },
  {
    name: 'the survivor is the oldest even when the userId profile is younger',
    identifiers: ids('userId:u-1', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'anonymousId:a': 1 } }, { id: 5, holds: { 'userId:u-1': 5 } }),
    expected: { kind: 'attach', fragmentId: 5, claim: [], merges: [{ loser: 5, survivor: 1 }], warnings: [] },
  },
  {
    name: 'attribution goes to the fragment of the highest-priority known identifier inside a merged profile',
    identifiers: ids('email:e@x.co', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, fragments: 2, holds: { 'email:e@x.co': 7, 'anonymousId:a': 1 } }),
    expected: { kind: 'attach', fragmentId: 7, claim: [], merges: [], warnings: [] },
  },
  {
    name: 'one event merges three profiles',
    identifiers: ids('userId:u-1', 'email:e@x.co', 'anonymousId:a'),
    snapshot: snapshot(
      { id: 3, holds: { 'userId:u-1': 3 } },
      { id: 2, holds: { 'email:e@x.co': 2 } },
      { id: 1, holds: { 'anonymousId:a': 1 } },
    ),
    expected: {
      kind: 'attach',
      fragmentId: 3,
      merges: [
        { loser: 2, survivor: 1 },
        { loser: 3, survivor: 1 },
      ],
      warnings: [],
    },
  },
  {
    name: 'shared browser (quarantine): the anonymousId bridging two userIds becomes contested',
    identifiers: ids('userId:u-2', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 } }),
    expected: {
      kind: 'attach',
      fragmentId: null,
      claim: ids('userId:u-2'),
      merges: [],
      contest: ids('anonymousId:a'),
      warnings: [{ code: 'identifier_contested', detail: 'anonymousId:a' }],
    },
  },
  {
    name: 'shared browser (first-owner): the link is demoted, nothing is flagged',
    identifiers: ids('userId:u-2', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 } }),
    config: firstOwner,
    expected: {
      kind: 'attach',
      fragmentId: null,
      claim: ids('userId:u-2'),
      contest: [],
      warnings: [{ code: 'identifier_demoted', detail: 'anonymousId:a' }],
    },
  },
  {
    name: 'quarantine: an event with only a contested identifier goes to its holding profile',
    identifiers: ids('anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 }, contested: ['anonymousId:a'] }),
    expected: {
      kind: 'holding',
      holdingFor: { type: 'anonymousId', value: 'a' },
      warnings: [{ code: 'identifier_contested', detail: 'anonymousId:a' }],
    },
  },
  {
    name: 'quarantine: a contested identifier no longer links a known user',
    identifiers: ids('userId:u-1', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 }, contested: ['anonymousId:a'] }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      claim: [],
      warnings: [{ code: 'identifier_contested', detail: 'anonymousId:a' }],
    },
  },
  {
    name: 'first-owner: a flagged identifier still resolves to its owner',
    identifiers: ids('anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 }, contested: ['anonymousId:a'] }),
    config: firstOwner,
    expected: { kind: 'attach', fragmentId: 1, warnings: [] },
  },
  {
    name: 'alias of two known userIds is refused, never contested',
    identifiers: ids('userId:u-1', 'userId:u-2'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1 } }, { id: 2, holds: { 'userId:u-2': 2 } }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      merges: [],
      contest: [],
      warnings: [{ code: 'merge_refused_unique_conflict', detail: 'userId:u-2' }],
    },
  },
  {
    name: 'a second unknown userId in one event is dropped by the limit of 1',
    identifiers: ids('userId:u-1', 'userId:u-2'),
    snapshot: EMPTY,
    expected: {
      kind: 'attach',
      fragmentId: null,
      claim: ids('userId:u-1'),
      warnings: [{ code: 'identifier_limit_dropped', detail: 'userId:u-2' }],
    },
  },
  {
    name: 'the 51st anonymousId is not linked',
    identifiers: ids('userId:u-1', 'anonymousId:a51'),
    snapshot: snapshot({
      id: 1,
      holds: Object.fromEntries([['userId:u-1', 1], ...Array.from({ length: 50 }, (_, i) => [`anonymousId:a${i}`, 1])]),
    }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      claim: [],
      warnings: [{ code: 'identifier_limit_dropped', detail: 'anonymousId:a51' }],
    },
  },
  {
    name: 'a merge that would exceed a plain count limit is refused',
    identifiers: ids('email:a@x.co', 'email:b@x.co'),
    snapshot: snapshot({ id: 1, holds: { 'email:a@x.co': 1 } }, { id: 2, holds: { 'email:b@x.co': 2 } }),
    config: identityConfigSchema.parse({ limits: { email: 1 } }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      merges: [],
      warnings: [{ code: 'merge_refused_unique_conflict', detail: 'email:b@x.co' }],
    },
  },
  {
    name: 'a deviceId merge exceeding the deviceId limit is dropped as a limit',
    identifiers: ids('userId:u-1', 'deviceId:d3'),
    snapshot: snapshot(
      { id: 1, holds: { 'userId:u-1': 1, 'deviceId:d1': 1, 'deviceId:d2': 1 } },
      { id: 2, holds: { 'deviceId:d3': 2 } },
    ),
    config: identityConfigSchema.parse({ limits: { deviceId: 2 } }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      merges: [],
      warnings: [{ code: 'identifier_limit_dropped', detail: 'deviceId:d3' }],
    },
  },
  {
    name: 'the merge cap refuses a merge past maxMergesPerProfile',
    identifiers: ids('userId:u-1', 'anonymousId:z'),
    snapshot: snapshot({ id: 1, fragments: 3, holds: { 'userId:u-1': 1 } }, { id: 9, holds: { 'anonymousId:z': 9 } }),
    config: identityConfigSchema.parse({ maxMergesPerProfile: 2 }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      merges: [],
      warnings: [{ code: 'merge_limit_reached', detail: 'anonymousId:z' }],
    },
  },
  {
    name: 'a profile already over a limit by a forced merge still takes its own identifiers',
    identifiers: ids('userId:u-1', 'anonymousId:b'),
    snapshot: snapshot(
      { id: 1, fragments: 2, holds: { 'userId:u-1': 1, 'userId:u-2': 2 } },
      { id: 3, holds: { 'anonymousId:b': 3 } },
    ),
    expected: { kind: 'attach', fragmentId: 1, merges: [{ loser: 3, survivor: 1 }], warnings: [] },
  },
  {
    name: 'quarantine: a contested identifier next to a new one starts a new profile, not a holding one',
    identifiers: ids('deviceId:d-new', 'anonymousId:a'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'anonymousId:a': 1 }, contested: ['anonymousId:a'] }),
    expected: {
      kind: 'attach',
      fragmentId: null,
      profileId: null,
      claim: ids('deviceId:d-new'),
      warnings: [{ code: 'identifier_contested', detail: 'anonymousId:a' }],
    },
  },
  {
    name: 'holding goes to the highest-priority contested identifier',
    identifiers: ids('deviceId:d', 'anonymousId:a'),
    snapshot: snapshot({
      id: 1,
      holds: { 'userId:u-1': 1, 'deviceId:d': 1, 'anonymousId:a': 1 },
      contested: ['deviceId:d', 'anonymousId:a'],
    }),
    expected: { kind: 'holding', holdingFor: { type: 'deviceId', value: 'd' } },
  },
  {
    name: 'a refused bridge is reported as a refusal against the other profile',
    identifiers: ids('userId:u-2', 'email:shared@x.co'),
    snapshot: snapshot({ id: 4, holds: { 'userId:u-1': 4, 'email:shared@x.co': 4 } }),
    expected: {
      kind: 'attach',
      fragmentId: null,
      refusals: [{ profileId: 4, code: 'identifier_contested', identifier: { type: 'email', value: 'shared@x.co' } }],
    },
  },
  {
    name: 'claims after a join count what the joined profile already holds',
    identifiers: ids('userId:u-1', 'deviceId:d-3'),
    snapshot: snapshot({ id: 1, holds: { 'userId:u-1': 1, 'deviceId:d-1': 1, 'deviceId:d-2': 1 } }),
    config: identityConfigSchema.parse({ limits: { deviceId: 2 } }),
    expected: {
      kind: 'attach',
      fragmentId: 1,
      profileId: 1,
      claim: [],
      warnings: [{ code: 'identifier_limit_dropped', detail: 'deviceId:d-3' }],
    },
  },
  {
    name: 'a returning visitor never needs profile state',
    identifiers: ids('userId:u-1', 'anonymousId:a'),
    snapshot: {
      identifiers: new Map([
        ['userId:u-1', { fragmentId: 3, profileId: 1, contested: false }],
        ['anonymousId:a', { fragmentId: 1, profileId: 1, contested: false }],
      ]),
      profiles: {
        get: () => {
          throw new Error('profile state was read');
        },
      },
    },
    expected: { kind: 'attach', fragmentId: 3, profileId: 1, claim: [], merges: [], warnings: [] },
  },
  {
    name: 'no identifiers: orphan',
    identifiers: [],
    snapshot: EMPTY,
    expected: { kind: 'orphan', contest: [], warnings: [{ code: 'no_identifiers', detail: null }] },
  },
];

describe('planResolution', () => {
  it.each(rows)('$name', ({ identifiers, snapshot: snap, config, expected }) => {
    expect(planResolution(identifiers, snap, config ?? quarantine)).toMatchObject(expected);
  });

  it('merges any number of profiles in creation order regardless of walk order', () => {
    const snap = snapshot(
      { id: 10, createdSeq: 3, holds: { 'userId:u': 10 } },
      { id: 11, createdSeq: 1, holds: { 'email:e@x.co': 11 } },
      { id: 12, createdSeq: 2, holds: { 'anonymousId:a': 12 } },
    );
    const plan = planResolution(ids('userId:u', 'email:e@x.co', 'anonymousId:a'), snap, quarantine);
    expect(plan).toMatchObject({
      merges: [
        { loser: 12, survivor: 11 },
        { loser: 10, survivor: 11 },
      ],
    });
  });
});
