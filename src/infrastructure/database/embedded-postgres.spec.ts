import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresError, lockDataDir, requireTrusted } from './embedded-postgres.js';

const NOBODY = 65534;

describe('requireTrusted (what the postgres user would run or use, when we are root)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventflow-trust-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a directory of its expected owner that only that owner can write', async () => {
    const own = join(dir, 'own');
    await mkdir(own);
    await chmod(own, 0o755);
    await expect(requireTrusted(own, process.getuid!())).resolves.toBeUndefined();
  });

  it('refuses a planted directory of another user', async () => {
    // As root (the tests here) the plant is nobody's; as another user, its own, where root's is due.
    const root = process.getuid?.() === 0;
    const planter = root ? NOBODY : process.getuid!();
    const planted = join(dir, 'planted');
    await mkdir(join(planted, 'bin'), { recursive: true });
    await writeFile(join(planted, 'bin', 'postgres'), '#!/bin/sh\n');
    if (root) await chown(planted, NOBODY, NOBODY);
    await chmod(planted, 0o755);
    const refusal = requireTrusted(planted, 0);
    await expect(refusal).rejects.toThrow(EmbeddedPostgresError);
    await expect(refusal).rejects.toThrow(`${planted} belongs to uid ${planter}, not 0`);
  });

  it('refuses a symbolic link, even to a directory it would accept', async () => {
    const real = join(dir, 'real');
    await mkdir(real, { mode: 0o755 });
    await symlink(real, join(dir, 'link'));
    await expect(requireTrusted(join(dir, 'link'), process.getuid!())).rejects.toThrow(
      'is a symbolic link',
    );
  });

  it('refuses a directory others can write into; a sticky one only where allowed', async () => {
    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    await expect(requireTrusted(open, process.getuid!())).rejects.toThrow(
      'writable by users other than its owner',
    );
    await chmod(open, 0o1777);
    await expect(requireTrusted(open, process.getuid!())).rejects.toThrow(
      'writable by users other than its owner',
    );
    await expect(
      requireTrusted(open, process.getuid!(), { stickyWritable: true }),
    ).resolves.toBeUndefined();
  });
});

describe('lockDataDir (one EventFlow process per DATA_DIR)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventflow-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses while a live Node process holds it, and is free again once released', async () => {
    // Another Node process, alive until told: the holder a second start would meet.
    const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: 'pipe' });
    try {
      await writeFile(join(dir, 'embedded-postgres.lock'), `${holder.pid}\n`);
      await expect(lockDataDir(dir)).rejects.toThrow(
        `is in use by another EventFlow process (pid ${holder.pid})`,
      );
    } finally {
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill();
      await exited;
    }
    // Its holder gone (a kill -9 leaves the file): taken over.
    const release = await lockDataDir(dir);
    expect((await readFile(join(dir, 'embedded-postgres.lock'), 'utf8')).trim()).toBe(
      String(process.pid),
    );
    await release();
    const again = await lockDataDir(dir);
    await again();
  });

  it('of many simultaneous takeovers of a stale lock, exactly one wins', async () => {
    await writeFile(join(dir, 'embedded-postgres.lock'), 'not a pid\n');
    // In one process all share a pid, so each contender is a process of its own.
    const contender = `
      const { lockDataDir } = require(${JSON.stringify(join(__dirname, 'embedded-postgres.ts'))});
      lockDataDir(${JSON.stringify(dir)}).then(
        () => { process.stdout.write('won'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); },
        (error) => { process.stdout.write(error.message.includes('in use') ? 'refused' : String(error)); process.exit(0); },
      );`;
    const children = Array.from({ length: 6 }, () => {
      const child = spawn(
        process.execPath,
        ['-r', join(process.cwd(), 'scripts', 'ts-register.cjs'), '-e', contender],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The winner says so and keeps the lock until told; the others say why and exit.
      const outcome = new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out === 'won') resolve(out);
        });
        void exited.then(() => resolve(out));
      });
      return { child, exited, outcome };
    });
    const outcomes = await Promise.all(children.map(({ outcome }) => outcome));
    for (const { child } of children) child.stdin.end();
    await Promise.all(children.map(({ exited }) => exited));
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(5);
  });
});
