/** Shared shapes of definition validation: results with path-naming issues, and what a definition may refer to. */
import type { ApiIssue, AudienceDefinition, ComputedTraitDefinition, DefinitionIssueCode } from '@exhaust/schema';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ApiIssue[] };

export interface DefinitionContext {
  /** Longest `within` / `halfLife` accepted, ms (DEFAULT_MAX_WINDOW_MS unless configured). */
  maxWindowMs: number;
  /** Existing computed traits (for `{ computed: key }` references). */
  computedTraits: ReadonlyMap<string, ComputedTraitDefinition>;
  /** Existing audiences (for `{ audience: key }` references and cycle checks). The one being (re)defined may be in it. */
  audiences: ReadonlyMap<string, AudienceDefinition>;
}

export type Path = (string | number)[];

/** Collects issues while a validator walks a definition. */
export class IssueList {
  readonly issues: ApiIssue[] = [];
  add(path: Path, code: DefinitionIssueCode, message: string): void {
    this.issues.push({ path, code, message });
  }
}
