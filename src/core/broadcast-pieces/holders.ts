/**
 * Where broadcast pieces are: the driver's block server holds every piece
 * until the broadcast is destroyed; an executor holds the pieces it fetched
 * and told the driver about. An executor fetches each piece from a holder
 * chosen at random among those it knows (the driver included), so the load
 * spreads over the holders as more executors join.
 */

/** The holder id of the driver's block server. */
export const DRIVER_HOLDER = 'driver';

/** A block server that holds pieces: the driver's (`id` = DRIVER_HOLDER) or an executor's. */
export interface PieceHolder {
  id: string;
  host: string;
  port: number;
}

/** Holders listed once; each piece names its holders by index into `holders`. */
export interface PieceLocations {
  holders: PieceHolder[];
  pieceHolders: number[][];
}

/** A uniformly shuffled copy of `items` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A random one of `candidates` not in `excluded`, or undefined when none is left. */
export function pickHolder(
  candidates: readonly number[],
  excluded: ReadonlySet<number>,
  random: () => number,
): number | undefined {
  const left = candidates.filter((c) => !excluded.has(c));
  if (left.length === 0) return undefined;
  return left[Math.min(left.length - 1, Math.floor(random() * left.length))];
}
