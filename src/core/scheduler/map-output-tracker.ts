/**
 * Where each map task of each shuffle wrote its output (Spark's
 * MapOutputTrackerMaster). Outputs outlive jobs: a later job that needs the
 * same shuffle finds it complete and skips the stage.
 */
export interface MapOutputLocation {
  executorId: string;
  dataPath: string;
  indexPath: string;
  partitionLengths: number[];
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

  /** An executor is gone: its outputs must be recomputed. */
  removeOutputsOnExecutor(executorId: string): void {
    for (const outs of this.shuffles.values()) {
      for (let i = 0; i < outs.length; i++) if (outs[i]?.executorId === executorId) outs[i] = undefined;
    }
  }

  get size(): number {
    return this.shuffles.size;
  }

  clear(): void {
    this.shuffles.clear();
  }
}
