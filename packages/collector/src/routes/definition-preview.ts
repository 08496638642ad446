/**
 * `POST /v1/audiences/preview` and `POST /v1/computed-traits/preview`: a
 * definition evaluated without saving it, so an editor can show its size and
 * a few members first. It reads the newest profiles only (a bounded sample,
 * whatever the database's size) and scales the count to an estimate.
 */
import type { AudienceDefinition, ComputedTraitDefinition, DefinitionPreview } from '@exhaust/schema';
import type { Context } from 'hono';
import type { DefinitionKind, Store } from '../store/store.js';
import { readDefinitionBody, validateDefinition } from './definition-writes.js';

/** Newest profiles a preview evaluates; the rest are estimated from them. */
export const PREVIEW_SAMPLE_PROFILES = 1_000;
/** Matching profiles a preview lists. */
export const PREVIEW_SAMPLE_MEMBERS = 20;

/** Scales the sample's count to every profile (exact when the sample was everyone). */
export function estimateSize(matched: number, sampled: number, totalProfiles: number): number {
  if (sampled === 0) return 0;
  if (sampled >= totalProfiles) return matched;
  return Math.round((matched * totalProfiles) / sampled);
}

/** Validates the body as a save would (400 `invalid_definition` with paths), then previews it. */
export async function previewDefinition(
  c: Context,
  input: { store: Store; kind: DefinitionKind; maxWindowMs: number; now?: number },
): Promise<DefinitionPreview> {
  const { store, kind, maxWindowMs } = input;
  const definition = await validateDefinition(store, kind, await readDefinitionBody(c), maxWindowMs);
  const result = await store.previewDefinition({
    target:
      kind === 'audience'
        ? { kind, definition: definition as AudienceDefinition }
        : { kind, definition: definition as ComputedTraitDefinition },
    sampleSize: PREVIEW_SAMPLE_PROFILES,
    sampleMembers: PREVIEW_SAMPLE_MEMBERS,
    now: input.now ?? Date.now(),
  });
  return {
    totalProfiles: result.totalProfiles,
    sampled: result.sampled,
    matched: result.matched,
    estimatedSize: estimateSize(result.matched, result.sampled, result.totalProfiles),
    exact: result.sampled >= result.totalProfiles,
    sample: result.sample,
  };
}
