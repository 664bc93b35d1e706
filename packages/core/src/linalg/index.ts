export { type Gemm, referenceSgemm, jsSaxpy } from './gemm.js';
export { fastSigmoid } from './elementwise.js';
export { blasThreadCount } from './native-blas.js';
