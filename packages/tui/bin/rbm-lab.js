#!/usr/bin/env node
// The `rbm-lab` command. The packages run from TypeScript source, so this shim
// re-executes Node with the source condition and the tsx loader on src/bin.ts,
// then mirrors the child's exit (code or signal).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--conditions=@rbm-lab/source', '--import', 'tsx', entry, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

// Ctrl-C in a terminal already reaches the child (same process group); forwarding
// it too would deliver it twice, which the sweep runner reads as "force quit".
// Signals sent to this process alone (kill, a supervisor, a test harness) are forwarded.
const forward = (signal) => {
  if (signal === 'SIGINT' && process.stdin.isTTY) return;
  child.kill(signal);
};
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
for (const signal of signals) process.on(signal, forward);

child.on('error', (error) => {
  process.stderr.write(`error: cannot start ${entry}: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of signals) process.off(s, forward);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
