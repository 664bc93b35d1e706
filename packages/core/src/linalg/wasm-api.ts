/**
 * The slice of the WebAssembly JS API the linalg kernels use. The project's
 * TypeScript lib has no DOM types, where these declarations normally live.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  /** Shared memories (SharedArrayBuffer-backed) need a maximum; worker threads can map them. */
  shared?: boolean;
}

export type WasmModule = object;

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;
/** The largest wasm32 memory, in pages (4 GiB). */
export const WASM_MAX_PAGES = 65536;
