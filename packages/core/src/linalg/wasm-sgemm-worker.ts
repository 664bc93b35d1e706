/**
 * The worker-thread side of the wasm-sgemm path, and the layout of the shared
 * control block both sides read. The worker runs as an eval'd CommonJS script
 * (so it needs no loader under tsx, vitest or dist), hence plain JavaScript in
 * a string.
 *
 * Protocol: each worker adds 1 to READY when it starts. For a product the main
 * thread writes the shared fields and one record per worker (its share of C),
 * publishes each record (state PUBLISHED), bumps SEQ and notifies. A woken
 * worker drains its port of memory registrations (receiveMessageOnPort: it
 * never returns to its event loop), claims its record (PUBLISHED -> TAKEN, a
 * compare-exchange), reads the fields, computes and marks it DONE. The main
 * thread computes its own share, then claims (PUBLISHED -> STOLEN) and
 * computes every share whose worker has not woken yet: on a busy machine a
 * product never waits for a thread the OS has not scheduled. A worker that
 * wakes late finds its record taken and sleeps again. Workers never throw out
 * of the loop: a failure sets ERROR, so the main thread cannot hang.
 */

/** Int32 slots of the control block. Floats (alpha, beta) are stored through a Float32Array view. */
export const CONTROL = {
  seq: 0,
  error: 2,
  /** Workers that have started (each adds 1 before its first wait). */
  ready: 3,
  command: 4,
  memoryId: 5,
  transA: 6,
  transB: 7,
  k: 8,
  alpha: 9,
  lda: 10,
  b: 11,
  ldb: 12,
  beta: 13,
  ldc: 14,
  /** Per-thread records start here, RECORD_INTS each: state, a, c, m, j0, j1, scratch. */
  records: 16,
} as const;
export const RECORD_INTS = 8;
export const COMMAND_SGEMM = 1;
export const COMMAND_EXIT = 2;

/** States of a record (its first int). */
export const SHARE = { idle: 0, published: 1, taken: 2, done: 3, stolen: 4 } as const;

export function controlInts(threads: number): number {
  return CONTROL.records + RECORD_INTS * threads;
}

export const WORKER_SOURCE = `
'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { module, control, index, port } = workerData;
const C = ${JSON.stringify(CONTROL)};
const S = ${JSON.stringify(SHARE)};
const ints = new Int32Array(control);
const floats = new Float32Array(control);
const r = C.records + ${RECORD_INTS} * index;
const exportsById = new Map();
let seen = 0;
Atomics.add(ints, C.ready, 1);
Atomics.notify(ints, C.ready);
for (;;) {
  Atomics.wait(ints, C.seq, seen);
  seen = Atomics.load(ints, C.seq);
  let received;
  while ((received = receiveMessageOnPort(port)) !== undefined) {
    const message = received.message;
    if (message.type === 'add') {
      exportsById.set(message.id, new WebAssembly.Instance(module, { env: { memory: message.memory } }).exports);
    } else if (message.type === 'drop') {
      exportsById.delete(message.id);
    }
  }
  if (Atomics.load(ints, C.command) === ${COMMAND_EXIT}) break;
  // The fields are read after the claim: the main thread changes them only once every claimed share is done.
  if (Atomics.compareExchange(ints, r, S.published, S.taken) !== S.published) continue;
  try {
    const kernel = exportsById.get(ints[C.memoryId]);
    if (kernel === undefined) throw new Error('memory ' + ints[C.memoryId] + ' is not registered');
    kernel.sgemm(ints[C.transA], ints[C.transB], ints[r + 3], ints[C.k], floats[C.alpha], ints[r + 1], ints[C.lda],
      ints[C.b], ints[C.ldb], floats[C.beta], ints[r + 2], ints[C.ldc], ints[r + 4], ints[r + 5], ints[r + 6]);
  } catch (error) {
    Atomics.store(ints, C.error, 1);
    console.error('wasm-sgemm worker ' + index + ': ' + (error && error.message));
  }
  Atomics.store(ints, r, S.done);
  Atomics.notify(ints, r);
}
`;
