import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubernetesJob, kubernetesName, slurmScript } from '../src/launch/job-files.js';
import { openRunStoreReader } from '../src/index.js';
import { cliInProcess, tinyStudy } from './helpers.js';

let dir: string;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-launch-'));
  config = join(dir, 'cluster.yaml');
  writeFileSync(config, tinyStudy('Cluster_Study', '  grid:\n    model.hidden_units: [4, 6, 8]'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  sweepId: 'abc123def456',
  sweepName: 'hidden',
  workers: 8,
  db: "postgres://rbm:it's@db:5432/rbm_lab",
  artifactRoot: '/shared/artifacts',
  slots: 1,
  cpus: 2,
  memoryGiB: 4,
};

describe('job files', () => {
  it('slurm: a job array of N tasks, each one worker that exits when the sweep is idle', () => {
    const script = slurmScript({
      ...spec,
      projectDir: '/home/me/rbm-lab',
      logDir: '/shared/logs',
      timeLimit: '04:00:00',
    });
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#SBATCH --array=0-7');
    expect(lines).toContain('#SBATCH --cpus-per-task=2');
    expect(lines).toContain('#SBATCH --mem=4G');
    expect(lines).toContain('#SBATCH --time=04:00:00');
    expect(lines).toContain('#SBATCH --output=/shared/logs/worker-%A_%a.log');
    expect(lines).toContain("cd '/home/me/rbm-lab'");
    // The quote in the password survives the shell.
    expect(lines).toContain(`export RBM_LAB_DB='postgres://rbm:it'\\''s@db:5432/rbm_lab'`);
    expect(lines).toContain("export RBM_LAB_ARTIFACTS='/shared/artifacts'");
    expect(lines).toContain('exec npx rbm-lab worker --exit-when-idle --sweep abc123def456 --slots 1');
  });

  it('k8s: an Indexed Job of N pods with the database URL from a Secret and the shared artifact volume', () => {
    const manifest = parse(
      kubernetesJob({ ...spec, image: 'registry/rbm-lab:1', dbSecret: 'rbm-db', artifactsClaim: 'rbm-pvc' }),
    );
    expect(manifest).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(manifest.metadata.name).toBe('rbm-lab-hidden-abc123def456');
    expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 8, parallelism: 8 });
    const pod = manifest.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers;
    expect(container.image).toBe('registry/rbm-lab:1');
    expect(container.command).toEqual([
      'npx',
      'rbm-lab',
      'worker',
      '--exit-when-idle',
      '--sweep',
      'abc123def456',
      '--slots',
      '1',
    ]);
    expect(container.env).toEqual([
      { name: 'RBM_LAB_DB', valueFrom: { secretKeyRef: { name: 'rbm-db', key: 'url' } } },
      { name: 'RBM_LAB_ARTIFACTS', value: '/shared/artifacts' },
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'artifacts', mountPath: '/shared/artifacts' }]);
    expect(pod.volumes).toEqual([{ name: 'artifacts', persistentVolumeClaim: { claimName: 'rbm-pvc' } }]);
    expect(JSON.stringify(manifest)).not.toContain('postgres://');
    expect(kubernetesName('Cluster_Study.v2')).toBe('cluster-study-v2');
  });
});

describe('rbm-lab launch', () => {
  it('--dry-run prints the job file and writes nothing', async () => {
    const db = join(dir, 'dry', 'rbm-lab.db');
    const result = await cliInProcess(['launch', 'slurm', config, '--workers', '3', '--db', db, '--dry-run'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/#SBATCH --array=0-2/);
    expect(result.stdout).toMatch(/exec npx rbm-lab worker --exit-when-idle --sweep \w{12} --slots 1/);
    expect(result.stderr).toMatch(/warning: .* is a SQLite file: fine for workers on this machine only/);
    expect(existsSync(db)).toBe(false);
  });

  it('enqueues the study and writes the manifest; --submit without sbatch is refused before anything is written', async () => {
    const db = join(dir, 'real', 'rbm-lab.db');
    const out = join(dir, 'job.yaml');
    const result = await cliInProcess(['launch', 'k8s', config, '--workers', '2', '--db', db, '--out', out], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/3 new run\(s\) queued, 0 already finished; wrote .*job\.yaml for 2 worker\(s\)/);
    expect(parse(readFileSync(out, 'utf8')).spec.completions).toBe(2);
    const reader = await openRunStoreReader(db);
    expect((await reader.getSweep('Cluster_Study'))!.counts.pending).toBe(3);
    await reader.close();

    const elsewhere = join(dir, 'never', 'rbm-lab.db');
    const refused = await cliInProcess(
      ['launch', 'slurm', config, '--workers', '2', '--db', elsewhere, '--submit'],
      dir,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--submit needs sbatch, which is not installed here/);
    expect(existsSync(elsewhere)).toBe(false);
  });
});
