import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { finishEmptyProduct, type Gemm, jsSaxpy, type WorkspaceMemory } from './gemm.js';
import { WASM_MAX_PAGES, WASM_PAGE_BYTES, type WasmMemory, type WasmModule, wasmApi } from './wasm-api.js';
import { instantiateKernel, KERNEL_MIN_PAGES, type KernelExports, kernelModule } from './wasm-kernels.js';
import {
  COMMAND_EXIT,
  COMMAND_SGEMM,
  CONTROL,
  controlInts,
  RECORD_INTS,
  SHARE,
  WORKER_SOURCE,
} from './wasm-sgemm-worker.js';

/**
 * The 'wasm-sgemm' compute path: our own WebAssembly SIMD sgemm
 * (wasm/sgemm.c, shipped as bytes in wasm-sgemm-binary.ts) on `threads`
 * threads: the calling thread plus threads - 1 worker threads that map the
 * same shared WebAssembly.Memory. It needs nothing but Node (wasm SIMD is on
 * by default since Node 16), so it is the fast path where native BLAS did not
 * build.
 *
 * Operands that all lie in one memory from workspaceMemory() are multiplied in
 * place; any other Float32Arrays are copied into a staging memory first.
 */

/** One memory the kernel runs on: thread t's scratch at scratch + t * scratchBytes, the caller's bytes after. */
interface Arena {
  id: number;
  memory: WasmMemory;
  kernel: KernelExports;
  scratch: number;
}

/** Columns of C per register tile (NR in sgemm.c): thread shares are multiples of it. */
const TILE_COLS = 8;
/** Rows of C per register tile (MR in sgemm.c). */
const TILE_ROWS = 4;
/** Below this many multiply-adds a product runs on the calling thread: waking workers costs more. */
const MIN_PARALLEL_MADDS = 1 << 18;
/** A worker that has not answered by then is taken as lost (a product of 1e12 FLOP would still finish). */
const WORKER_TIMEOUT_MS = 300_000;
/** Worker threads that have not started by then are taken as unable to start (a heavily loaded machine takes 1 s). */
const WORKER_START_TIMEOUT_MS = 30_000;

/** One product in byte addresses of an arena; rows of op(A) and C split among threads (splitProduct). */
interface Product {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: number;
  lda: number;
  b: number;
  ldb: number;
  beta: number;
  c: number;
  ldc: number;
}

interface Share {
  a: number;
  c: number;
  m: number;
  j0: number;
  j1: number;
}

/**
 * Splits C among threads along its longer side, in whole register tiles:
 * columns [j0, j1) of all rows, or rows [i0, i1) (A and C offset) of all columns.
 */
export function splitProduct(
  threads: number,
  transA: boolean,
  m: number,
  n: number,
  a: number,
  lda: number,
  c: number,
  ldc: number,
): Share[] {
  const shares: Share[] = [];
  if (n >= m) {
    const tiles = Math.ceil(n / TILE_COLS);
    const parts = Math.min(threads, tiles);
    for (let t = 0; t < parts; t++) {
      const j0 = Math.floor((t * tiles) / parts) * TILE_COLS;
      const j1 = Math.min(n, Math.floor(((t + 1) * tiles) / parts) * TILE_COLS);
      shares.push({ a, c, m, j0, j1 });
    }
    return shares;
  }
  const tiles = Math.ceil(m / TILE_ROWS);
  const parts = Math.min(threads, tiles);
  for (let t = 0; t < parts; t++) {
    const i0 = Math.floor((t * tiles) / parts) * TILE_ROWS;
    const i1 = Math.min(m, Math.floor(((t + 1) * tiles) / parts) * TILE_ROWS);
    // Byte offsets: row i of op(A) starts at A + i (transposed) or A + i * lda.
    shares.push({ a: a + 4 * (transA ? i0 : i0 * lda), c: c + 4 * i0 * ldc, m: i1 - i0, j0: 0, j1: n });
  }
  return shares;
}

export class WasmSgemm implements Gemm {
  readonly path = 'wasm-sgemm' as const;
  readonly detail: string;
  private readonly module: WasmModule;
  private readonly scratchBytes: number;
  private readonly control: Int32Array;
  private readonly controlFloats: Float32Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /**
   * Arenas by the buffer object of their views. A shared memory's `buffer` object
   * can change without the memory growing (V8 hands out a new SharedArrayBuffer
   * once the memory has been posted to a worker), so a miss is resolved against
   * the live arenas (arenaOf) and the new object added here.
   */
  private readonly arenas = new WeakMap<ArrayBufferLike, Arena>();
  private readonly liveArenas = new Map<number, WeakRef<Arena>>();
  private readonly forget = new FinalizationRegistry<number>((id) => {
    this.liveArenas.delete(id);
    this.post({ type: 'drop', id });
  });
  private nextId = 0;
  private readonly staging: Arena;
  private disposed = false;

  /** threads: the calling thread plus threads - 1 workers (the sweep's per-run budget). */
  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`wasm-sgemm: invalid thread count ${threads}`);
    const kernel = kernelModule();
    if (kernel === null) throw new Error('this runtime cannot compile the WebAssembly SIMD sgemm kernel');
    const module = kernel.module;
    this.module = module;
    // 16-byte aligned per-thread scratch (packed panels and one edge tile).
    this.scratchBytes = 4 * (kernel.scratchFloats + 4);
    const shared = new SharedArrayBuffer(4 * controlInts(threads));
    this.control = new Int32Array(shared);
    this.controlFloats = new Float32Array(shared);
    for (let index = 1; index < threads; index++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // The parent's flags (--input-type=module, --import tsx, ...) would change how the
        // CommonJS worker script is read, and it needs none of them.
        execArgv: [],
        workerData: { module, control: shared, index, port: port2 },
        transferList: [port2],
      });
      // Idle workers block in Atomics.wait; they must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
    this.staging = this.createArena(0, WASM_MAX_PAGES);
    this.awaitStart();
    this.detail = `WebAssembly SIMD sgemm (f32x4), ${threads} thread${threads === 1 ? '' : 's'}`;
  }

  workspaceMemory(bytes: number): WorkspaceMemory {
    const arena = this.createArena(bytes);
    const start = arena.scratch + this.threads * this.scratchBytes;
    return { memory: arena.memory, start, end: start + bytes };
  }

  readonly sgemm: Gemm['sgemm'] = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
    if (finishEmptyProduct(m, n, k, a, b, beta, c)) return;
    if (this.disposed) throw new Error('wasm-sgemm: used after dispose()');
    const arena = this.arenaOf(a.buffer);
    const product = { transA, transB, m, n, k, alpha, lda: transA ? m : k, ldb: transB ? k : n, beta, ldc: n };
    if (arena !== undefined && this.arenaOf(b.buffer) === arena && this.arenaOf(c.buffer) === arena) {
      this.run(arena, { ...product, a: a.byteOffset, b: b.byteOffset, c: c.byteOffset });
      return;
    }
    // Foreign operands: copy into the staging memory, multiply there, copy C back.
    const [aBytes, bBytes, cBytes] = [4 * m * k, 4 * k * n, 4 * m * n];
    const aAt = this.stagingSpace(aBytes + bBytes + cBytes + 32);
    const bAt = aAt + aBytes + 16 - (aBytes % 16);
    const cAt = bAt + bBytes + 16 - (bBytes % 16);
    const heap = this.staging.memory.buffer;
    new Float32Array(heap, aAt, m * k).set(a.subarray(0, m * k));
    new Float32Array(heap, bAt, k * n).set(b.subarray(0, k * n));
    const cStaged = new Float32Array(heap, cAt, m * n);
    if (beta !== 0) cStaged.set(c.subarray(0, m * n));
    this.run(this.staging, { ...product, a: aAt, b: bAt, c: cAt });
    c.set(cStaged);
  };

  saxpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void {
    if (x.length < n || y.length < n) throw new RangeError(`saxpy: arrays shorter than n=${n}`);
    const arena = this.arenaOf(x.buffer);
    if (arena !== undefined && this.arenaOf(y.buffer) === arena && n > 0)
      arena.kernel.saxpy(n, alpha, x.byteOffset, y.byteOffset);
    else jsSaxpy(n, alpha, x, y);
  }

  dispose(): void {
    void this.terminate();
  }

  /** dispose(), resolving once every worker thread has exited. */
  async terminate(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.control[CONTROL.command] = COMMAND_EXIT;
      Atomics.add(this.control, CONTROL.seq, 1);
      Atomics.notify(this.control, CONTROL.seq);
      for (const port of this.ports) port.close();
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** The number of worker threads (threads - 1; the calling thread computes a share too). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** A shared memory with every thread's scratch, then `bytes` for the caller, registered with every worker. */
  private createArena(bytes: number, maximumPages?: number): Arena {
    if (wasmApi === undefined) throw new Error('no WebAssembly in this runtime');
    const pages = Math.max(KERNEL_MIN_PAGES, Math.ceil((this.threads * this.scratchBytes + bytes) / WASM_PAGE_BYTES));
    const memory = new wasmApi.Memory({ initial: pages, maximum: maximumPages ?? pages, shared: true });
    const kernel = instantiateKernel(this.module, memory);
    const arena: Arena = { id: this.nextId++, memory, kernel, scratch: 0 };
    this.arenas.set(memory.buffer, arena);
    this.post({ type: 'add', id: arena.id, memory });
    if (maximumPages === undefined) {
      // Dropped once nothing holds the memory (an arena keeps it alive only while a view's buffer does).
      this.liveArenas.set(arena.id, new WeakRef(arena));
      this.forget.register(memory, arena.id);
    }
    return arena;
  }

  /** The arena whose memory holds `buffer`, or undefined for memory of anyone else. */
  private arenaOf(buffer: ArrayBufferLike): Arena | undefined {
    const known = this.arenas.get(buffer);
    if (known !== undefined) return known;
    for (const ref of this.liveArenas.values()) {
      const arena = ref.deref();
      if (arena !== undefined && arena.memory.buffer === buffer) {
        this.arenas.set(buffer, arena);
        return arena;
      }
    }
    return undefined;
  }

  /** The first byte of `bytes` free staging bytes, growing the staging memory if needed. */
  private stagingSpace(bytes: number): number {
    const start = this.threads * this.scratchBytes;
    const missing = start + bytes - this.staging.memory.buffer.byteLength;
    if (missing > 0) this.staging.memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
    return start;
  }

  private post(message: { type: 'add'; id: number; memory: WasmMemory } | { type: 'drop'; id: number }): void {
    for (const port of this.ports) port.postMessage(message);
  }

  private run(arena: Arena, p: Product): void {
    const threads = p.m * p.n * p.k < MIN_PARALLEL_MADDS ? 1 : this.threads;
    const shares = splitProduct(threads, p.transA, p.m, p.n, p.a, p.lda, p.c, p.ldc);
    const ctl = this.control;
    const [tA, tB] = [p.transA ? 1 : 0, p.transB ? 1 : 0];
    const compute = (share: Share, thread: number): void => {
      const scratch = arena.scratch + thread * this.scratchBytes;
      const { a, c, m, j0, j1 } = share;
      arena.kernel.sgemm(tA, tB, m, p.k, p.alpha, a, p.lda, p.b, p.ldb, p.beta, c, p.ldc, j0, j1, scratch);
    };
    if (shares.length > 1) {
      ctl.set([COMMAND_SGEMM, arena.id, tA, tB, p.k], CONTROL.command);
      this.controlFloats[CONTROL.alpha] = p.alpha;
      this.controlFloats[CONTROL.beta] = p.beta;
      ctl.set([p.lda, p.b, p.ldb], CONTROL.lda);
      ctl[CONTROL.ldc] = p.ldc;
      Atomics.store(ctl, CONTROL.error, 0);
      for (let t = 1; t < shares.length; t++) {
        const { a, c, m, j0, j1 } = shares[t];
        const record = CONTROL.records + RECORD_INTS * t;
        ctl.set([a, c, m, j0, j1, arena.scratch + t * this.scratchBytes], record + 1);
        Atomics.store(ctl, record, SHARE.published);
      }
      Atomics.add(ctl, CONTROL.seq, 1);
      Atomics.notify(ctl, CONTROL.seq);
    }
    compute(shares[0], 0);
    // Shares whose worker has not woken yet are computed here (with that worker's scratch).
    for (let t = 1; t < shares.length; t++) {
      const record = CONTROL.records + RECORD_INTS * t;
      if (Atomics.compareExchange(ctl, record, SHARE.published, SHARE.stolen) === SHARE.published) {
        compute(shares[t], t);
      }
    }
    for (let t = 1; t < shares.length; t++) this.awaitShare(CONTROL.records + RECORD_INTS * t);
    if (shares.length > 1 && Atomics.load(ctl, CONTROL.error) !== 0) {
      throw new Error('wasm-sgemm: a worker thread failed (its message is on stderr)');
    }
  }

  /** Waits until the record's share is computed (by its worker, or stolen here), then sets it idle. */
  private awaitShare(record: number): void {
    const ctl = this.control;
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const state = Atomics.load(ctl, record);
      if (state === SHARE.done || state === SHARE.stolen) break;
      if (Date.now() > deadline) throw new Error('wasm-sgemm: a worker thread did not answer');
      Atomics.wait(ctl, record, state, 1000);
    }
    Atomics.store(ctl, record, SHARE.idle);
  }

  /** Blocks until every worker has started, so a runtime where they cannot fails here, not mid-product. */
  private awaitStart(): void {
    const deadline = Date.now() + WORKER_START_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(this.control, CONTROL.ready);
      if (ready >= this.workers.length) return;
      if (Date.now() > deadline) {
        void this.terminate();
        throw new Error(`wasm-sgemm: ${this.workers.length - ready} worker thread(s) did not start`);
      }
      Atomics.wait(this.control, CONTROL.ready, ready, 100);
    }
  }
}

/** Loads the wasm-sgemm provider on `threads` threads; throws if this runtime lacks wasm SIMD. */
export function loadWasmSgemm(threads: number): WasmSgemm {
  return new WasmSgemm(threads);
}
