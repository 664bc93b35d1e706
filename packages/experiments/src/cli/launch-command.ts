/** launch slurm|k8s: job files whose tasks each run `rbm-lab worker --exit-when-idle`. (See launch.ts.) */
import type { CliCommand } from './common.js';

export const LAUNCH_COMMANDS: Record<string, CliCommand> = {};
