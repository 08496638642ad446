/** Compiles each computed-trait definition once, cached by definition object identity. */
import type { ComputedTraitDefinition } from '@exhaust/schema';
import { compileScore } from '../scores/score.js';
import { compileAggregateTrait } from './compute-trait.js';
import type { TraitInput, TraitSeries } from './trait-series.js';

export type CompiledTrait = (input: TraitInput) => TraitSeries;

const compiled = new WeakMap<ComputedTraitDefinition, CompiledTrait>();

export function compileTrait(definition: ComputedTraitDefinition): CompiledTrait {
  let trait = compiled.get(definition);
  if (!trait) {
    trait = definition.kind === 'score' ? compileScore(definition) : compileAggregateTrait(definition);
    compiled.set(definition, trait);
  }
  return trait;
}
