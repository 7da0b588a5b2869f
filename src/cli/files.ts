/**
 * The CLI's file system boundary. Inputs are read with a cap: only regular files, size-checked before they are
 * read (INPUT_LIMITS), then read in a loop that stops one byte past the size the file reported (a file that grows
 * while it is read is refused), or past PSEUDO_FILE_BYTES for files that report size 0 (/proc and /sys files
 * stream data whatever their size says: /proc/self/pagemap would give a gigabyte). Outputs are written into a hidden temporary folder beside the target and
 * moved into place at the end, so a folder never mixes two runs and an interrupted run leaves nothing that looks
 * complete; unwritable destinations fail before any computation.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  checkInputSize,
  formatBytes,
  INPUT_LIMITS,
  InputError,
  type InputKind,
  printable,
} from '../workload';

/** What a path is, when it is not a regular file ("a directory", "a character device such as /dev/zero", …). */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device (such as /dev/zero)';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Most bytes read from a file that reports size 0 (a /proc or /sys file): real inputs report their size. */
export const PSEUDO_FILE_BYTES = 2 ** 20;

/**
 * Read the file `path` given to `label` (a flag such as "--x") as bytes: a regular file of at most the kind's
 * limit. Throws an InputError of one line naming the flag and the path; never blocks on a FIFO and never reads
 * more than the limit plus one byte.
 */
export function readInputFile(path: string, label: string, kind: InputKind): Uint8Array {
  const name = `${label} ${path}`;
  const { maxBytes, label: what } = INPUT_LIMITS[kind];
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError(`cannot read ${name}: ${oneLine((err as Error).message)}`);
  }
  const kindOf = notRegular(st);
  if (kindOf) throw new InputError(`${name}: is ${kindOf}; only regular files are read`);
  if (st.size > 0) checkInputSize(name, st.size, kind);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, opening it must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InputError(`cannot read ${name}: ${oneLine((err as Error).message)}`);
  }
  try {
    const again = notRegular(fstatSync(fd));
    if (again) throw new InputError(`${name}: is ${again}; only regular files are read`);
    // Read one byte past what the file may hold: its reported size, or a small cap when it reports none.
    const pseudo = st.size === 0;
    const limit = pseudo ? Math.min(maxBytes, PSEUDO_FILE_BYTES) : st.size;
    let buf = new Uint8Array(pseudo ? Math.min(limit + 1, 64 * 1024) : limit + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > limit) break;
        const bigger = new Uint8Array(Math.min(limit + 1, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        throw new InputError(`cannot read ${name}: ${oneLine((err as Error).message)}`);
      }
      if (got === 0) break;
      n += got;
    }
    if (n > limit) {
      throw new InputError(
        pseudo
          ? `${name}: the file reports size 0 but holds more than ${formatBytes(limit)} (a /proc or /sys file?); ` +
              `only regular files are read as ${what}`
          : `${name}: the file grew while it was read (it reported ${st.size} bytes); read a file that is complete`,
      );
    }
    checkInputSize(name, n, kind);
    return n === buf.length ? buf : buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** readInputFile decoded as UTF-8 (a byte-order mark is kept, as readFileSync keeps it; the readers skip it). */
export function readInputText(path: string, label: string, kind: InputKind): string {
  const bytes = readInputFile(path, label, kind);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

// ---- outputs ------------------------------------------------------------------------------------------------

/** The file every moe-lab output folder holds: a folder with it may be replaced by a new run. */
export const OUTPUT_MARKER = '.moe-lab-output';

export interface OutputDir {
  /** The temporary folder to write into (hidden, beside the target). */
  readonly dir: string;
  /** The folder the outputs end up in. */
  readonly target: string;
  /** Move the outputs into place: a previous moe-lab output folder there is replaced whole. */
  commit(): void;
  /** Remove the temporary folder (and any folders created for the target); the target is left as it was. */
  abandon(): void;
}

const exists = (p: string) => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Names a moe-lab run or stream writes (what a marker without a file list may sit beside). */
const OUTPUT_NAME = /^(?:report\.json|[a-z_]+(?:_layer\d+)?\.npy)$/;

/** The files an output folder's marker lists as written by its run (undefined: an older marker, no list). */
function markerFiles(target: string): string[] | undefined {
  try {
    const files = (JSON.parse(readFileSync(join(target, OUTPUT_MARKER), 'utf8')) as { files?: unknown })
      .files;
    return Array.isArray(files) && files.every((f) => typeof f === 'string') ? files : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuse an existing target that is not a folder, a mount point (it cannot be moved aside), or a folder that
 * holds anything but a moe-lab run's own files: a file a person added to an output folder is not deleted.
 */
function checkExistingTarget(outDir: string, target: string): void {
  const st = statSync(target);
  if (!st.isDirectory()) throw new InputError(`--out ${outDir}: exists and is not a folder`);
  if (st.dev !== statSync(dirname(target)).dev)
    throw new InputError(
      `--out ${outDir}: is a mount point, which cannot be replaced; choose a new folder inside it`,
    );
  let entries: string[];
  try {
    entries = readdirSync(target);
  } catch (err) {
    throw new InputError(`--out ${outDir}: cannot list the folder: ${oneLine((err as Error).message)}`);
  }
  if (entries.length === 0) return;
  if (!entries.includes(OUTPUT_MARKER)) {
    throw new InputError(
      `--out ${outDir}: the folder holds files that are not a moe-lab run; choose an empty or new folder`,
    );
  }
  const listed = markerFiles(target);
  const foreign = entries.find(
    (e) => e !== OUTPUT_MARKER && !(listed ? listed.includes(e) : OUTPUT_NAME.test(e)),
  );
  if (foreign !== undefined) {
    throw new InputError(
      `--out ${outDir}: the moe-lab output folder also holds "${printable(foreign, 40)}", which a new run ` +
        'would delete; move it out or choose another folder',
    );
  }
}

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

const uniqueSuffix = () => `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Remove the hidden temporary folders of earlier runs into the same target whose process is gone (killed before
 * it could clean up): they never looked complete, and nothing else would ever remove them.
 */
function removeOrphans(parent: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const prefix = `.${base}.moe-lab-`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:tmp|old)-(\d+)-[a-z0-9]+$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
}

/**
 * Get `--out DIR` ready before any computation. The target must be a new folder, an empty one, or a previous
 * moe-lab output folder (it holds OUTPUT_MARKER); missing parent folders are created one level at a time (plain
 * mkdir fails at once where a recursive one spins, as under /proc). Returns a hidden temporary folder beside the
 * target to write into; `commit()` moves it into place, `abandon()` removes it. Throws one line on any problem.
 */
export function prepareOutputDir(outDir: string, command: 'run' | 'stream'): OutputDir {
  let target = resolve(outDir);
  if (dirname(target) === target) throw new InputError(`--out ${outDir}: cannot be the root folder`);
  // A link whose target is missing: the results could not be moved onto the link at the end.
  if (!exists(target) && isLink(target))
    throw new InputError(`--out ${outDir}: is a symbolic link to a path that does not exist`);
  const created: string[] = [];
  const fail = (err: unknown, what: string): never => {
    for (const d of created.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Not ours to remove any more (something was written into it): leave it.
      }
    }
    if (err instanceof InputError) throw err;
    throw new InputError(`--out ${outDir}: ${what}: ${oneLine((err as Error).message)}`);
  };
  if (exists(target)) {
    target = realpathSync(target);
    checkExistingTarget(outDir, target);
  } else {
    // Walk up to the nearest existing ancestor, which must be a folder; create the missing levels one by one.
    const missing: string[] = [];
    let p = target;
    while (!exists(p)) {
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
    if (exists(p) && !statSync(p).isDirectory())
      throw new InputError(`--out ${outDir}: ${p} is not a folder`);
    for (const level of missing.reverse().slice(0, -1)) {
      try {
        mkdirSync(level);
        created.push(level);
      } catch (err) {
        fail(err, `cannot create ${level}`);
      }
    }
  }
  const parent = dirname(target);
  const base = basename(target);
  const temp = join(parent, `.${base}.moe-lab-tmp-${uniqueSuffix()}`);
  removeOrphans(parent, base);
  const started = new Date().toISOString();
  try {
    mkdirSync(temp);
    writeFileSync(
      join(temp, OUTPUT_MARKER),
      `${JSON.stringify({ moeLab: { command, pid: process.pid, started } })}\n`,
    );
  } catch (err) {
    try {
      rmSync(temp, { recursive: true, force: true });
    } catch {
      // Nothing was created.
    }
    fail(err, 'cannot write there');
  }
  let done = false;
  return {
    dir: temp,
    target,
    commit() {
      if (done) return;
      // The marker lists what this run wrote: a later run into the folder refuses anything else found there.
      const files = readdirSync(temp).filter((f) => f !== OUTPUT_MARKER);
      writeFileSync(
        join(temp, OUTPUT_MARKER),
        `${JSON.stringify({ moeLab: { command, pid: process.pid, started }, files })}\n`,
      );
      let aside: string | null = null;
      try {
        if (exists(target)) {
          // Checked again: something may have been written there while this run computed.
          checkExistingTarget(outDir, target);
          aside = join(parent, `.${base}.moe-lab-old-${uniqueSuffix()}`);
          renameSync(target, aside);
        }
        renameSync(temp, target);
      } catch (err) {
        if (err instanceof InputError) throw err;
        if (aside) renameSync(aside, target);
        throw new InputError(
          `--out ${outDir}: cannot move the results into place: ${oneLine((err as Error).message)}`,
        );
      }
      done = true;
      if (aside) rmSync(aside, { recursive: true, force: true });
    },
    abandon() {
      if (done) return;
      done = true;
      rmSync(temp, { recursive: true, force: true });
      for (const d of created.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // Not empty any more: leave it.
        }
      }
    },
  };
}

/** Run `body` with an output folder: committed when it returns, abandoned when it throws. */
export async function withOutputDir<T>(
  outDir: string,
  command: 'run' | 'stream',
  body: (dir: string) => Promise<T> | T,
): Promise<T> {
  const out = prepareOutputDir(outDir, command);
  try {
    const value = await body(out.dir);
    out.commit();
    return value;
  } finally {
    try {
      out.abandon();
    } catch {
      // Removing the temp folder failed: the error that got here matters more; the folder is hidden.
    }
  }
}
