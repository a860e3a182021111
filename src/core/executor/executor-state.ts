import { pathToFileURL } from 'node:url';
import { SparkConf } from '../../conf/spark-conf.js';
import { rebuildFunction, type RebuildContext, type RebuiltFunction } from '../closure/rebuild.js';
import type { EnvReference, FunctionSpec } from '../closure/shipped-function.js';
import { installHadoopFileSystems } from '../io/hadoop-file-systems.js';
import { fileSystemFor } from '../io/registry.js';
import type { FileSystem } from '../io/file-system.js';
import { ExecutorAccumulator, ExecutorBroadcast, TaskAccumulatorUpdates, type AccumulatorKind } from './accumulator-updates.js';
import type { MessagePort } from 'node:worker_threads';
import { BlockStore, type CacheStore } from './block-store.js';
import { PortCacheClient } from './cache-port.js';
import { installRuntime } from '../../app/runtime.js';

/**
 * Everything one executor keeps between tasks: broadcast values, rebuilt
 * functions, cached blocks, imported application bundles. One per worker
 * thread in local mode, one per executor process on a cluster.
 */
export interface ExecutorOptions {
  executorId: string;
  conf: Record<string, string>;
  /** Directory for this executor's shuffle, spill and block files. */
  localDir: string;
  /** Shuffle buffer bytes one task may hold before it spills. */
  taskMemoryBytes: number;
  /** Bytes of cached blocks this executor keeps in memory (unused with `cachePort`). */
  storageMemoryBytes: number;
  /**
   * A port to the executor process's one cache (cluster executors): its task
   * threads share cached blocks, and it reads blocks held by other executors.
   * Without it (local mode) this thread keeps its own BlockStore.
   */
  cachePort?: MessagePort;
}

export class ExecutorState implements RebuildContext {
  readonly conf: SparkConf;
  readonly broadcasts = new Map<number, unknown>();
  readonly blocks: CacheStore;
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  private readonly rebuilt = new WeakMap<FunctionSpec, Promise<RebuiltFunction>>();
  /** Accumulator updates of the task running now (one task at a time per executor slot). */
  currentUpdates = new TaskAccumulatorUpdates();

  constructor(readonly options: ExecutorOptions) {
    this.conf = new SparkConf(options.conf);
    // hdfs: from the HDFS keys the driver put into the conf (each worker thread has its own registry)
    installHadoopFileSystems();
    this.blocks = options.cachePort
      ? new PortCacheClient(options.cachePort)
      : new BlockStore(options.localDir, options.storageMemoryBytes);
  }

  fileSystem(path: string): FileSystem {
    return fileSystemFor(path, this.conf);
  }

  fn(spec: FunctionSpec): Promise<RebuiltFunction> {
    let p = this.rebuilt.get(spec);
    if (!p) {
      p = rebuildFunction(spec, this);
      this.rebuilt.set(spec, p);
    }
    return p;
  }

  importModule(url: string): Promise<Record<string, unknown>> {
    let p = this.modules.get(url);
    if (!p) {
      const href = url.startsWith('file:') ? url : pathToFileURL(url).href;
      // the bundle's `import 'tspark'` reads this process's API (app/runtime.ts)
      p = import('../../index.js').then((api) => {
        installRuntime(api as Record<string, unknown>);
        return import(href) as Promise<Record<string, unknown>>;
      });
      this.modules.set(url, p);
    }
    return p;
  }

  resolveReference(r: EnvReference): unknown {
    if (r.ref === 'broadcast') {
      return new ExecutorBroadcast(r.id, (id) => {
        if (!this.broadcasts.has(id)) throw new Error(`broadcast ${id} is not available on executor ${this.options.executorId} (destroyed?)`);
        return this.broadcasts.get(id);
      });
    }
    return new ExecutorAccumulator(r.id, r.kind as AccumulatorKind, r.name, () => this.currentUpdates);
  }
}
