/**
 * Job files that start N workers on a cluster, each `rbm-lab worker
 * --exit-when-idle` on one sweep: a SLURM job array (sbatch script) and a
 * Kubernetes Indexed Job. Pure: text in, text out.
 */
import { stringify } from 'yaml';

export interface LaunchSpec {
  sweepId: string;
  sweepName: string;
  workers: number;
  /** Database URL the workers connect to. */
  db: string;
  /** Artifact root as the workers see it. */
  artifactRoot: string;
  /** Run slots per worker. */
  slots: number;
  /** CPUs per worker (SLURM --cpus-per-task, Kubernetes cpu request). */
  cpus: number;
  /** Memory per worker in GiB. */
  memoryGiB: number;
}

export interface SlurmSpec extends LaunchSpec {
  /** The RBM Lab checkout on the cluster's shared filesystem. */
  projectDir: string;
  /** Folder for the tasks' logs. */
  logDir: string;
  timeLimit?: string;
}

export interface KubernetesSpec extends LaunchSpec {
  image: string;
  /** Secret holding the database URL under key `url` (so no password sits in the manifest). */
  dbSecret: string;
  /** PersistentVolumeClaim shared by the workers, mounted at artifactRoot. */
  artifactsClaim: string;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Kubernetes names: lower case alphanumerics and '-', at most 63 characters. */
export function kubernetesName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name.slice(0, 63).replace(/-+$/, '') || 'rbm-lab';
}

function workerArgs(spec: LaunchSpec): string[] {
  return ['worker', '--exit-when-idle', '--sweep', spec.sweepId, '--slots', String(spec.slots)];
}

/** An sbatch script: a job array of `workers` tasks, each one worker process. */
export function slurmScript(spec: SlurmSpec): string {
  const lines = [
    '#!/bin/bash',
    `# RBM Lab workers for sweep '${spec.sweepName}' (${spec.sweepId}): submit with \`sbatch <this file>\`.`,
    `#SBATCH --job-name=${kubernetesName(`rbm-lab-${spec.sweepName}`)}`,
    `#SBATCH --array=0-${spec.workers - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${spec.cpus}`,
    `#SBATCH --mem=${spec.memoryGiB}G`,
    `#SBATCH --output=${spec.logDir}/worker-%A_%a.log`,
    ...(spec.timeLimit === undefined ? [] : [`#SBATCH --time=${spec.timeLimit}`]),
    'set -euo pipefail',
    `cd ${shellQuote(spec.projectDir)}`,
    `export RBM_LAB_DB=${shellQuote(spec.db)}`,
    `export RBM_LAB_ARTIFACTS=${shellQuote(spec.artifactRoot)}`,
    '# Each array task is one worker; it exits when the sweep has nothing queued and nothing running.',
    `exec npx rbm-lab ${workerArgs(spec).join(' ')}`,
    '',
  ];
  return lines.join('\n');
}

/** A Kubernetes Indexed Job: `workers` pods, each one worker process, sharing the artifact volume. */
export function kubernetesJob(spec: KubernetesSpec): string {
  const name = kubernetesName(`rbm-lab-${spec.sweepName}-${spec.sweepId}`);
  const manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { app: 'rbm-lab', 'rbm-lab/sweep': kubernetesName(spec.sweepName) } },
    spec: {
      completionMode: 'Indexed',
      completions: spec.workers,
      parallelism: spec.workers,
      // A pod that dies is not restarted: its run goes back to the queue and another worker takes it.
      backoffLimitPerIndex: 0,
      template: {
        metadata: { labels: { app: 'rbm-lab', 'rbm-lab/sweep': kubernetesName(spec.sweepName) } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'worker',
              image: spec.image,
              command: ['npx', 'rbm-lab', ...workerArgs(spec)],
              env: [
                { name: 'RBM_LAB_DB', valueFrom: { secretKeyRef: { name: spec.dbSecret, key: 'url' } } },
                { name: 'RBM_LAB_ARTIFACTS', value: spec.artifactRoot },
              ],
              resources: {
                requests: { cpu: String(spec.cpus), memory: `${spec.memoryGiB}Gi` },
                limits: { memory: `${spec.memoryGiB}Gi` },
              },
              volumeMounts: [{ name: 'artifacts', mountPath: spec.artifactRoot }],
            },
          ],
          volumes: [{ name: 'artifacts', persistentVolumeClaim: { claimName: spec.artifactsClaim } }],
        },
      },
    },
  };
  return `# RBM Lab workers for sweep '${spec.sweepName}' (${spec.sweepId}).\n# kubectl create secret generic ${spec.dbSecret} --from-literal=url=postgres://...  then  kubectl apply -f <this file>\n${stringify(manifest)}`;
}
