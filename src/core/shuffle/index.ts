export type { Aggregator } from './aggregator.js';
export { MemoryBudget, estimateSize } from './memory.js';
export {
  writeShuffleOutput,
  shuffleFilePaths,
  type ShuffleWriteSpec,
  type MapOutput,
  type ShuffleWriteMetrics,
} from './writer.js';
export { readLocalShuffleBlock, readIndexRange, ShuffleBlockError } from './local-block.js';
export { readShuffleInput, type ShuffleReadSpec, type ShuffleReadMetrics } from './reader.js';
