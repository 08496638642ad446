/**
 * Creating, replacing and deleting activation definitions, shared by the
 * computed-trait and audience routes: validate against the definitions as
 * they are now (references, cycles), save only if they did not change
 * meanwhile, and try again a few times if they did.
 */
import type { ApiIssue, AudienceDefinition, ComputedTraitDefinition } from '@exhaust/schema';
import type { Context } from 'hono';
import {
  type DefinitionContext,
  parseAudience,
  parseComputedTrait,
  type ValidationResult,
} from '../activation/index.js';
import { ApiError } from '../errors.js';
import { readBody } from '../http/read-body.js';
import type { DefinitionKind, DefinitionRecord, DefinitionsSnapshot, Store } from '../store/store.js';

/** Largest body of a definition: a condition tree of a few hundred nodes fits easily. */
export const MAX_DEFINITION_BODY_BYTES = 64 * 1024;
/** Saves attempted when another write moved the definitions version between validation and save. */
export const MAX_DEFINITION_SAVE_ATTEMPTS = 5;

type Definition = ComputedTraitDefinition | AudienceDefinition;

const LABEL: Record<DefinitionKind, string> = { computedTrait: 'computed trait', audience: 'audience' };
const A_LABEL: Record<DefinitionKind, string> = { computedTrait: 'a computed trait', audience: 'an audience' };

export function definitionNotFound(kind: DefinitionKind, key: string): ApiError {
  return new ApiError(
    404,
    kind === 'audience' ? 'audience_not_found' : 'computed_trait_not_found',
    `no ${LABEL[kind]} has the key ${JSON.stringify(key)}`,
  );
}

export function contextOf(snapshot: DefinitionsSnapshot, maxWindowMs: number, without?: string): DefinitionContext {
  const keep = <T extends Definition>(records: DefinitionRecord<T>[]) =>
    new Map(records.filter((r) => r.definition.key !== without).map((r) => [r.definition.key, r.definition]));
  return { maxWindowMs, computedTraits: keep(snapshot.computedTraits), audiences: keep(snapshot.audiences) };
}

function parse(kind: DefinitionKind, input: unknown, ctx: DefinitionContext): ValidationResult<Definition> {
  return kind === 'audience' ? parseAudience(input, ctx) : parseComputedTrait(input, ctx);
}

function invalid(kind: DefinitionKind, issues: ApiIssue[]): ApiError {
  return new ApiError(400, 'invalid_definition', `the ${LABEL[kind]} definition is invalid`, { issues });
}

export async function readDefinitionBody(c: Context): Promise<unknown> {
  const text = await readBody(
    { headers: (name) => c.req.header(name), stream: c.req.raw.body },
    MAX_DEFINITION_BODY_BYTES,
  );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', { cause: error });
  }
}

export interface WriteDefinitionInput {
  store: Store;
  kind: DefinitionKind;
  body: unknown;
  /** `replace` takes the key from the path; a body key must then match it. */
  mode: 'create' | 'replace';
  pathKey?: string;
  maxWindowMs: number;
}

/** Validates and saves; answers the stored record or throws the API error. */
export async function writeDefinition(input: WriteDefinitionInput): Promise<DefinitionRecord<Definition>> {
  const { store, kind, mode, pathKey } = input;
  let body = input.body;
  if (pathKey !== undefined && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const given = (body as { key?: unknown }).key;
    if (given !== undefined && given !== pathKey) {
      throw invalid(kind, [{ path: ['key'], message: `the key must be the path's ${JSON.stringify(pathKey)}` }]);
    }
    body = { ...body, key: pathKey };
  }
  for (let attempt = 0; attempt < MAX_DEFINITION_SAVE_ATTEMPTS; attempt++) {
    const snapshot = await store.getDefinitions();
    const parsed = parse(kind, body, contextOf(snapshot, input.maxWindowMs));
    if (!parsed.ok) throw invalid(kind, parsed.issues);
    const definition = parsed.value;
    const outcome = await store.saveDefinition({
      ...(kind === 'audience'
        ? { kind, definition: definition as AudienceDefinition }
        : { kind, definition: definition as ComputedTraitDefinition }),
      mode,
      expectedVersion: snapshot.version,
      now: Date.now(),
    });
    switch (outcome.status) {
      case 'saved':
        return outcome.record;
      case 'exists': {
        const message = `${A_LABEL[kind]} with the key ${JSON.stringify(definition.key)} exists; PUT replaces it`;
        throw new ApiError(409, 'conflict', message, {
          issues: [{ path: ['key'], message, code: 'definition_exists' }],
        });
      }
      case 'not_found':
        throw definitionNotFound(kind, definition.key);
      case 'version_changed':
        continue;
    }
  }
  throw new ApiError(409, 'conflict', 'definitions kept changing while this one was saved; try again');
}

/** Deletes unless another definition refers to it (409 naming them). */
export async function deleteDefinition(input: {
  store: Store;
  kind: DefinitionKind;
  key: string;
  maxWindowMs: number;
}): Promise<void> {
  const { store, kind, key } = input;
  for (let attempt = 0; attempt < MAX_DEFINITION_SAVE_ATTEMPTS; attempt++) {
    const snapshot = await store.getDefinitions();
    const records: DefinitionRecord<Definition>[] = kind === 'audience' ? snapshot.audiences : snapshot.computedTraits;
    if (!records.some((r) => r.definition.key === key)) throw definitionNotFound(kind, key);
    // Whatever no longer validates without it refers to it (the two kinds have separate key spaces).
    const all = contextOf(snapshot, Number.MAX_SAFE_INTEGER);
    const without = contextOf(snapshot, Number.MAX_SAFE_INTEGER, key);
    const ctx: DefinitionContext =
      kind === 'audience'
        ? { ...all, audiences: without.audiences }
        : { ...all, computedTraits: without.computedTraits };
    const issues: ApiIssue[] = [];
    for (const record of snapshot.audiences) {
      if (kind === 'audience' && record.definition.key === key) continue;
      const parsed = parseAudience(record.definition, ctx);
      if (!parsed.ok && parsed.issues.some((issue) => issue.code === 'unknown_reference')) {
        issues.push({
          path: ['audiences', record.definition.key],
          message: `audience ${JSON.stringify(record.definition.key)} refers to it`,
          code: 'referenced',
        });
      }
    }
    if (issues.length > 0) {
      throw new ApiError(409, 'conflict', `the ${LABEL[kind]} ${JSON.stringify(key)} is in use; delete those first`, {
        issues,
      });
    }
    const outcome = await store.deleteDefinition({ kind, key, expectedVersion: snapshot.version });
    if (outcome === 'deleted') return;
    if (outcome === 'not_found') throw definitionNotFound(kind, key);
  }
  throw new ApiError(409, 'conflict', 'definitions kept changing while this one was deleted; try again');
}
