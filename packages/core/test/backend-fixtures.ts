import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const backendModule = fileURLToPath(new URL('../src/backend.ts', import.meta.url));

/**
 * `code` run as an ES module in a fresh Node process (initBackend's choice is per process)
 * with `env` added to this one's, where `initBackend` and `getGemm` are imported. Resolves with
 * what it printed; ok is false when it failed.
 */
export async function runWithBackend(
  code: string,
  env: Record<string, string>,
): Promise<{ ok: boolean; text: string }> {
  const script = `import { initBackend, getGemm } from ${JSON.stringify(backendModule)};\n${code}`;
  try {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@rbm-lab/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, ...env } },
    );
    return { ok: true, text: stdout.trim() };
  } catch (error) {
    return { ok: false, text: String((error as { stdout?: string }).stdout ?? error).trim() };
  }
}

/** initBackend() in a fresh process: its BackendInfo as JSON, or the error's name and message. */
export function initBackendIn(env: Record<string, string>): Promise<{ ok: boolean; text: string }> {
  return runWithBackend(
    `initBackend().then((info) => console.log(JSON.stringify(info)), (e) => { console.log(e.name + ': ' + e.message); process.exitCode = 3; });`,
    env,
  );
}
