import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER, prepareOutputDir, readInputFile, readInputText, withOutputDir } from './files';

const dir = mkdtempSync(join(tmpdir(), 'moe-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Milliseconds fn takes, and what it threw (or null). */
function timed(fn: () => unknown): { ms: number; error: Error | null } {
  const t0 = performance.now();
  try {
    fn();
    return { ms: performance.now() - t0, error: null };
  } catch (err) {
    return { ms: performance.now() - t0, error: err as Error };
  }
}

describe('readInputFile: only regular files, size-checked, read with a cap', () => {
  it('reads a regular file whole, and /proc files that report size 0', () => {
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'hello');
    expect(readInputText(path, '--scenario', 'scenario')).toBe('hello');
    // /proc/self/status reports size 0 yet has content: it is read up to the cap.
    expect(readInputText('/proc/self/status', '--scenario', 'scenario')).toMatch(/^Name:/m);
  });

  it('refuses devices, folders, FIFOs and sockets at once, naming the flag and the path', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      for (const [path, what] of [
        ['/dev/zero', /--x \/dev\/zero: is a character device/],
        ['/dev/null', /character device/],
        [dir, /is a folder; only regular files are read/],
        [fifo, /is a named pipe \(FIFO\)/],
        [sock, /is a socket/],
      ] as const) {
        const { ms, error } = timed(() => readInputFile(path, '--x', 'tensor'));
        expect(error?.message, path).toMatch(what);
        expect(error?.message).toContain(path);
        expect(error?.message).not.toMatch(/\n/);
        expect(ms, path).toBeLessThan(500);
      }
    } finally {
      server.close();
    }
  });

  it('refuses a sparse file over the limit from its size, in well under a second, without reading it', () => {
    const big = join(dir, 'big.npy');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 30 + 1);
    const tensor = timed(() => readInputFile(big, '--w1', 'tensor'));
    expect(tensor.error?.message).toMatch(
      /--w1 .*big\.npy: the file is 1073741825 bytes; at most 1073741824 bytes is read/,
    );
    expect(tensor.ms).toBeLessThan(1000);
    const scenario = join(dir, 'big.json');
    writeFileSync(scenario, '');
    truncateSync(scenario, 2 ** 30);
    const s = timed(() => readInputText(scenario, '--scenario', 'scenario'));
    expect(s.error?.message).toMatch(/--scenario .*big\.json: the file is 1\.0 GiB; at most 64\.0 KiB/);
    expect(s.ms).toBeLessThan(1000);
    const counts = timed(() => readInputFile(scenario, '--counts', 'import'));
    expect(counts.error?.message).toMatch(/at most 64\.0 MiB is read as an imported trace/);
  });

  it('reads at most 1 MiB from a file that reports size 0 (/proc), refusing more at once', () => {
    // /proc/self/pagemap reports size 0 and streams gigabytes: refused after PSEUDO_FILE_BYTES, at once.
    for (const path of ['/proc/self/pagemap', '/proc/self/mem']) {
      const { ms, error } = timed(() => readInputFile(path, '--logits', 'tensor'));
      expect(error?.message, path).toMatch(
        new RegExp(
          `^(--logits ${path}: the file reports size 0 but holds more than 1\\.0 MiB|cannot read --logits ${path})`,
        ),
      );
      expect(ms, path).toBeLessThan(1000);
    }
  });

  it('refuses an empty file and a missing one with one line', () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    expect(() => readInputFile(empty, '--scenario', 'scenario')).toThrow(
      /--scenario .*empty\.json: the file is empty/,
    );
    expect(() => readInputFile(join(dir, 'nope.npy'), '--router', 'tensor')).toThrow(
      /^cannot read --router .*nope\.npy: ENOENT/,
    );
  });
});

describe('prepareOutputDir: a temp folder beside the target, moved into place', () => {
  it('fails fast under /proc and below a regular file, creating nothing', () => {
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    for (const [out, why] of [
      ['/proc/moe-lab-x/out', /--out \/proc\/moe-lab-x\/out: cannot create \/proc\/moe-lab-x/],
      ['/proc/self/out', /--out \/proc\/self\/out: cannot write there/],
      [join(file, 'out'), /plain\.txt is not a folder/],
      [join(file, 'a', 'b'), /plain\.txt is not a folder/],
      [file, /exists and is not a folder/],
    ] as const) {
      const { ms, error } = timed(() => prepareOutputDir(out, 'run'));
      expect(error?.message, out).toMatch(why);
      expect(ms, out).toBeLessThan(500);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses, before anything runs, a link to a missing path and a mount point (neither can be replaced)', () => {
    const dangling = join(dir, 'dangling-out');
    symlinkSync(join(dir, 'no-such-folder'), dangling);
    for (const [out, why] of [
      [dangling, /dangling-out: is a symbolic link to a path that does not exist/],
      ['/dev/shm', /--out \/dev\/shm: is a mount point/],
      ['/proc', /--out \/proc: is a mount point/],
    ] as const) {
      if (out === '/dev/shm' && !existsSync(out)) continue;
      const { ms, error } = timed(() => prepareOutputDir(out, 'run'));
      expect(error?.message, out).toMatch(why);
      expect(ms, out).toBeLessThan(500);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('.dangling-out'))).toEqual([]);
  });

  it("refuses a moe-lab output folder that also holds a person's files, instead of deleting them", async () => {
    const target = join(dir, 'annotated');
    await withOutputDir(target, 'run', (tmp) => writeFileSync(join(tmp, 'y.npy'), 'y'));
    expect(JSON.parse(readFileSync(join(target, OUTPUT_MARKER), 'utf8')).files).toEqual(['y.npy']);
    for (const added of ['notes.txt', 'x.npy', 'report.json.bak', 'sub']) {
      if (added === 'sub') mkdirSync(join(target, added));
      else writeFileSync(join(target, added), 'mine');
      let ran = false;
      await expect(
        withOutputDir(target, 'run', () => {
          ran = true;
        }),
        added,
      ).rejects.toThrow(
        new RegExp(`annotated: the moe-lab output folder also holds "${added.replace('.', '\\.')}"`),
      );
      expect(ran).toBe(false);
      rmSync(join(target, added), { recursive: true });
    }
    // An older marker with no file list: the names a run or stream writes are its own, others are not.
    writeFileSync(join(target, OUTPUT_MARKER), '{"moeLab":{"command":"stream"}}\n');
    writeFileSync(join(target, 'counts_layer12.npy'), 'c');
    await withOutputDir(target, 'run', (tmp) => writeFileSync(join(tmp, 'y.npy'), 'z'));
    expect(readdirSync(target).sort()).toEqual([OUTPUT_MARKER, 'y.npy']);
    writeFileSync(join(target, OUTPUT_MARKER), '{"moeLab":{"command":"stream"}}\n');
    writeFileSync(join(target, 'My Data.csv'), 'c');
    await expect(withOutputDir(target, 'run', () => undefined)).rejects.toThrow(/also holds "My Data\.csv"/);
  });

  it('creates missing levels, writes into a hidden temp folder, and moves it into place on commit', () => {
    const target = join(dir, 'new', 'deep', 'out');
    const out = prepareOutputDir(target, 'stream');
    expect(existsSync(target)).toBe(false);
    expect(out.dir.startsWith(join(dir, 'new', 'deep', '.out.moe-lab-tmp-'))).toBe(true);
    writeFileSync(join(out.dir, 'a.npy'), 'A');
    out.commit();
    expect(readdirSync(target).sort()).toEqual([OUTPUT_MARKER, 'a.npy']);
    expect(readdirSync(join(dir, 'new', 'deep'))).toEqual(['out']);
  });

  it('replaces a previous moe-lab output whole: no stale files survive', async () => {
    const target = join(dir, 'stale');
    await withOutputDir(target, 'stream', (tmp) => {
      for (let l = 0; l < 8; l++) writeFileSync(join(tmp, `counts_layer${l}.npy`), 'old');
    });
    expect(readdirSync(target)).toHaveLength(9);
    await withOutputDir(target, 'stream', (tmp) => {
      writeFileSync(join(tmp, 'counts_layer0.npy'), 'new');
      writeFileSync(join(tmp, 'counts_layer1.npy'), 'new');
    });
    expect(readdirSync(target).sort()).toEqual([OUTPUT_MARKER, 'counts_layer0.npy', 'counts_layer1.npy']);
    expect(readFileSync(join(target, 'counts_layer1.npy'), 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((n) => n.startsWith('.stale'))).toEqual([]);
  });

  it('accepts an empty folder, refuses a foreign one before anything runs and leaves it untouched', async () => {
    const empty = join(dir, 'empty-out');
    mkdirSync(empty);
    await withOutputDir(empty, 'run', (tmp) => writeFileSync(join(tmp, 'y.npy'), 'y'));
    expect(readdirSync(empty).sort()).toEqual([OUTPUT_MARKER, 'y.npy']);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), 'precious');
    let ran = false;
    await expect(
      withOutputDir(foreign, 'run', () => {
        ran = true;
      }),
    ).rejects.toThrow(
      /--out .*foreign: the folder holds files that are not a moe-lab run; choose an empty or new/,
    );
    expect(ran).toBe(false);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);
    expect(readdirSync(dir).filter((n) => n.startsWith('.foreign'))).toEqual([]);
  });

  it('an interrupted run leaves neither the target nor a temp folder, nor the levels it created', async () => {
    const target = join(dir, 'made', 'for', 'it');
    await expect(
      withOutputDir(target, 'run', (tmp) => {
        writeFileSync(join(tmp, 'topk_ids.npy'), 'partial');
        throw new Error('engine failed');
      }),
    ).rejects.toThrow('engine failed');
    expect(existsSync(join(dir, 'made'))).toBe(false);

    // A previous run in the target stays as it was.
    const kept = join(dir, 'kept');
    await withOutputDir(kept, 'run', (tmp) => writeFileSync(join(tmp, 'y.npy'), 'first'));
    await expect(
      withOutputDir(kept, 'run', (tmp) => {
        writeFileSync(join(tmp, 'y.npy'), 'second');
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(readFileSync(join(kept, 'y.npy'), 'utf8')).toBe('first');
    expect(readdirSync(dir).filter((n) => n.startsWith('.kept'))).toEqual([]);
  });

  it("a killed run's hidden temp folder is removed by the next run into the same target; a live one stays", async () => {
    const target = join(dir, 'killed');
    // pid 2^30 is above Linux's pid_max, so no such process; pid 1 (init) is always alive.
    const dead = join(dir, `.killed.moe-lab-tmp-${2 ** 30}-abc123`);
    const live = join(dir, '.killed.moe-lab-tmp-1-def456');
    for (const d of [dead, live]) {
      mkdirSync(d);
      writeFileSync(join(d, 'y.npy'), 'half');
    }
    await withOutputDir(target, 'run', (tmp) => writeFileSync(join(tmp, 'y.npy'), 'whole'));
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readFileSync(join(target, 'y.npy'), 'utf8')).toBe('whole');
    rmSync(live, { recursive: true });
  });
});
