export { type Gemm, type Sgemm, type WorkspaceMemory, referenceSgemm, jsSaxpy } from './gemm.js';
export { fastSigmoid } from './elementwise.js';
export { blasThreadCount, configureOpenblasCoreType } from './native-blas.js';
export { SimdWorkspace } from './simd.js';
export { PROBE_WORKLOADS, probeGemm } from './probe.js';
export { WasmSgemm } from './wasm-sgemm.js';
