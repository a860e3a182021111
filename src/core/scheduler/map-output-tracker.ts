import type { BlockAddress } from '../executor/task-result.js';

/**
 * Where each map task of each shuffle wrote its output (Spark's
 * MapOutputTrackerMaster). Outputs outlive jobs: a later job that needs the
 * same shuffle finds it complete and skips the stage. An output is dropped
 * when its executor is lost or a reducer could not fetch it; the map stage
 * then runs the missing map tasks again.
 */
export interface MapOutputLocation {
  executorId: string;
  dataPath: string;
  indexPath: string;
  partitionLengths: number[];
  /** The writing executor's block server; absent in local mode (reducers read the files). */
  blockAddress?: BlockAddress;
}

export class MapOutputTracker {
  private readonly shuffles = new Map<number, (MapOutputLocation | undefined)[]>();

  registerShuffle(shuffleId: number, numMaps: number): void {
    if (!this.shuffles.has(shuffleId)) this.shuffles.set(shuffleId, new Array<MapOutputLocation | undefined>(numMaps).fill(undefined));
  }

  registerMapOutput(shuffleId: number, mapId: number, loc: MapOutputLocation): void {
    const outs = this.shuffles.get(shuffleId);
    if (!outs) throw new Error(`shuffle ${shuffleId} is not registered`);
    outs[mapId] = loc;
  }

  missingMaps(shuffleId: number): number[] {
    const outs = this.shuffles.get(shuffleId) ?? [];
    const missing: number[] = [];
    outs.forEach((o, i) => {
      if (!o) missing.push(i);
    });
    return missing;
  }

  isAvailable(shuffleId: number): boolean {
    const outs = this.shuffles.get(shuffleId);
    return outs !== undefined && outs.every((o) => o !== undefined);
  }

  /** All outputs of a complete shuffle, by map id. */
  outputs(shuffleId: number): MapOutputLocation[] {
    const outs = this.shuffles.get(shuffleId);
    if (!outs || outs.some((o) => o === undefined)) throw new Error(`shuffle ${shuffleId} is not complete`);
    return outs as MapOutputLocation[];
  }

  /** An executor is gone (or its files are): its outputs must be recomputed. Returns the shuffles that lost some. */
  removeOutputsOnExecutor(executorId: string): number[] {
    const affected: number[] = [];
    for (const [shuffleId, outs] of this.shuffles) {
      let lost = false;
      for (let i = 0; i < outs.length; i++) {
        if (outs[i]?.executorId === executorId) {
          outs[i] = undefined;
          lost = true;
        }
      }
      if (lost) affected.push(shuffleId);
    }
    return affected;
  }

  /** Drops one map output if it is still the one `executorId` wrote (a newer attempt elsewhere is kept). */
  unregisterMapOutput(shuffleId: number, mapId: number, executorId: string): boolean {
    const outs = this.shuffles.get(shuffleId);
    if (outs?.[mapId]?.executorId !== executorId) return false;
    outs[mapId] = undefined;
    return true;
  }

  /** Forgets a shuffle entirely. */
  unregisterShuffle(shuffleId: number): void {
    this.shuffles.delete(shuffleId);
  }

  get size(): number {
    return this.shuffles.size;
  }

  clear(): void {
    this.shuffles.clear();
  }
}
