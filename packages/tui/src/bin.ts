/**
 * `rbm-lab <command>`: the experiments CLI plus `ui`, the dashboard. The bin
 * lives here so the experiments package never depends on the dashboard
 * (data flows experiments -> tui).
 */
import { runCli, type CliCommand } from '@rbm-lab/experiments';
import { letInkDraw } from './ci.js';

const ui: CliCommand = {
  usage: 'ui [--db URL]                                             dashboard: sweeps, runs, curves, samples, compare',
  async run(args, io) {
    // Before Ink loads: it reads the CI variables once, when imported.
    letInkDraw(process.env, process.stdout.isTTY === true, io.stderr);
    const { runDashboard } = await import('./dashboard.js');
    return runDashboard(args, { cwd: io.cwd, env: io.env });
  },
};

process.exitCode = await runCli(process.argv.slice(2), { extraCommands: { ui } });
