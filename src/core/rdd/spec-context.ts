import type { FunctionSpec, ShippedFunction } from '../closure/shipped-function.js';
import type { MapOutputRef } from './spec.js';

/** What an RDD needs while turning its lineage into a stage binary. */
export interface SpecContext {
  /** Encodes a shipped function, recording the broadcasts it refers to. */
  fn(f: ShippedFunction<any>): FunctionSpec;
  /** Where the map outputs of a completed shuffle are. */
  mapOutputs(shuffleId: number): MapOutputRef[];
}
