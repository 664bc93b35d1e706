#!/usr/bin/env node
// A throwaway PostgreSQL server for the tests and CI: `start DIR` prints its URL, `stop DIR` removes it.
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (runuser).
// Usage: node scripts/test-postgres.mjs start /tmp/rbm-pg   ->   postgres://postgres@127.0.0.1:PORT/postgres
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

function binDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries (apt-get install postgresql)');
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0], 'bin');
}

const isRoot = process.getuid?.() === 0;

function runAsServerUser(command, args) {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function start(dir) {
  const urlFile = join(dir, 'url');
  if (existsSync(urlFile)) return readFileSync(urlFile, 'utf8').trim();
  const bin = binDir();
  mkdirSync(dir, { recursive: true });
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAsServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  writeFileSync(urlFile, `${url}\n`);
  return url;
}

function stop(dir) {
  const data = join(dir, 'data');
  if (existsSync(join(data, 'postmaster.pid'))) {
    try {
      runAsServerUser(join(binDir(), 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch (error) {
      process.stderr.write(`pg_ctl stop: ${error.message}\n`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

const [command, dirArg] = process.argv.slice(2);
if ((command !== 'start' && command !== 'stop') || dirArg === undefined) {
  process.stderr.write('usage: test-postgres.mjs start|stop DIR\n');
  process.exit(2);
}
const dir = resolve(dirArg);
try {
  if (command === 'start') process.stdout.write(`${await start(dir)}\n`);
  else stop(dir);
} catch (error) {
  process.stderr.write(`test-postgres ${command}: ${error.stderr?.toString() || error.message}\n`);
  process.exit(1);
}
