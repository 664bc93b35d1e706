import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { availableComputePaths } from '../src/backend.js';
import { configureOpenblasCoreType, OPENBLAS_CORETYPE_ENV, openblasCoreType } from '../src/linalg/native-blas.js';

const run = promisify(execFile);
const backendModule = fileURLToPath(new URL('../src/backend.ts', import.meta.url));
const available = await availableComputePaths();
const thisCpu = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
})();

const AVX512 = 'avx512f avx512dq avx512cd avx512bw avx512vl';
function cpuinfo(vendor: string, flags: string): string {
  // Two processors, as /proc/cpuinfo lists every one; the first is read.
  const one = (n: number) =>
    `processor\t: ${n}\nvendor_id\t: ${vendor}\ncpu family\t: 26\nflags\t\t: fpu sse2 avx2 ${flags}\n`;
  return `${one(0)}\n${one(1)}`;
}

describe('OpenBLAS kernel set', () => {
  it('asks for the AVX-512 SkylakeX kernels on AMD CPUs with AVX-512 only', () => {
    expect(openblasCoreType(cpuinfo('AuthenticAMD', `${AVX512} avx512_bf16`))).toBe('SkylakeX');
    expect(openblasCoreType(cpuinfo('AuthenticAMD', 'fma bmi2'))).toBeUndefined(); // Zen 3: AVX2 only
    expect(openblasCoreType(cpuinfo('AuthenticAMD', AVX512.replace('avx512vl', '')))).toBeUndefined();
    expect(openblasCoreType(cpuinfo('GenuineIntel', AVX512))).toBeUndefined(); // OpenBLAS knows Intel's
    expect(openblasCoreType('')).toBeUndefined();
  });

  it('keeps a kernel set the user chose, and sets the one this CPU needs otherwise', () => {
    const chosen = { [OPENBLAS_CORETYPE_ENV]: 'Haswell' };
    expect(configureOpenblasCoreType(chosen)).toBe('Haswell');
    expect(chosen[OPENBLAS_CORETYPE_ENV]).toBe('Haswell');
    const unset: NodeJS.ProcessEnv = { [OPENBLAS_CORETYPE_ENV]: '' };
    const expected = openblasCoreType(thisCpu);
    expect(configureOpenblasCoreType(unset)).toBe(expected);
    expect(unset[OPENBLAS_CORETYPE_ENV]).toBe(expected);
  });

  /** native-blas loaded in a fresh process with OpenBLAS's start-up report on: its detail, and the core OpenBLAS says it runs. */
  async function nativeIn(coreType: string): Promise<{ detail: string; core: string | undefined }> {
    const script = `import { initBackend } from ${JSON.stringify(backendModule)};
      const info = await initBackend({ path: 'native-blas' });
      console.log(info.detail);`;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=@rbm-lab/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, OPENBLAS_VERBOSE: '2', [OPENBLAS_CORETYPE_ENV]: coreType } },
    );
    return { detail: stdout.trim(), core: /Core: (\S+)/.exec(stderr)?.[1] };
  }

  it.skipIf(!available.includes('native-blas'))(
    'reaches OpenBLAS before it loads, and the run records it',
    async () => {
      const [auto, forced] = await Promise.all([nativeIn(''), nativeIn('Haswell')]);
      expect(forced.detail).toContain(`${OPENBLAS_CORETYPE_ENV}=Haswell`);
      expect(forced.core).toBe('Haswell');
      const expected = openblasCoreType(thisCpu);
      if (expected === undefined) expect(auto.detail).not.toContain(OPENBLAS_CORETYPE_ENV);
      else {
        expect(auto.detail).toContain(`${OPENBLAS_CORETYPE_ENV}=${expected}`);
        expect(auto.core).toBe(expected);
      }
    },
    60_000,
  );
});
