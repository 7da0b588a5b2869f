/**
 * `npm run bench -- pack [--out DIR] [--check]`: a self-contained folder that runs the layer bench, the device
 * micro-benchmark and the moe CLI on a Linux x86-64 machine with a GPU driver and no npm:
 *
 *   run                      POSIX sh launcher (unpacks Node into TMPDIR once, then execs it)
 *   node.gz                  this process's Node binary (process.execPath), stripped when `strip` exists, gzip -9
 *   lib/js/bench.mjs         bench/packEntry.ts bundled to plain JavaScript (esbuild)
 *   lib/js/moe.mjs           src/cli/main.ts bundled the same way
 *   lib/js/node_modules/webgpu/   the webgpu package's index.js, package.json and dist/linux-x64/dawn.node
 *   shaders/*.wgsl           read at run time: src/gpu/nodeShaders.ts looks in <bundle dir>/../../shaders
 *   README.md, PACK.json     how to run it; what went in (sizes, commit, Node version)
 *
 * The folder must stay under 60 MiB (issue 15): Node alone is ~99 MB, so it travels gzipped. esbuild is the one
 * that ships with vite and tsx (node_modules/esbuild), so no new dependency. --check runs `./run microbench`
 * from the folder afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PACK_LIMIT_BYTES = 60 * 2 ** 20;

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? folderBytes(p) : st.size;
  }
  return total;
}

const LAUNCHER = (nodeVersion: string) => `#!/bin/sh
# moe-lab packed bench. ./run layer | microbench | device-check | moe <command> (./run help)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Node travels gzipped; it is unpacked once per machine into TMPDIR, so this folder never grows.
dir="\${TMPDIR:-/tmp}/moe-lab-pack-node-${nodeVersion}-$(id -u)"
node="$dir/node"
mkdir -p -m 700 "$dir"
# A shared /tmp: run only a Node that this user unpacked.
if [ ! -O "$dir" ]; then
  echo "run: $dir belongs to another user; set TMPDIR to a folder of yours" >&2
  exit 1
fi
if [ ! -x "$node" ]; then
  gzip -dc "$here/node.gz" > "$node.tmp.$$"
  chmod +x "$node.tmp.$$"
  mv "$node.tmp.$$" "$node"
fi
if [ "\${1:-}" = moe ]; then
  shift
  exec "$node" "$here/lib/js/moe.mjs" "$@"
fi
exec "$node" "$here/lib/js/bench.mjs" "$@"
`;

const README = (nodeVersion: string) => `# moe-lab bench, packed

Runs on Linux x86-64 (glibc) with a GPU driver; no npm, no Node install. Node ${nodeVersion} and Dawn
(the \`webgpu\` package's dawn.node) are inside.

    ./run microbench --datasheet-gbps 3350   # copy bandwidth (16 MiB and 256 MiB) and f32 matmul rate
    ./run layer --trials 5                   # the MoE layer per stage at three sizes
    ./run device-check --datasheet-gbps 3350 > device.json   # both, one JSON object
    ./run moe help                           # the moe-lab CLI

Vulkan loader: Dawn reaches the GPU through Vulkan, so the machine needs the Vulkan loader (libvulkan.so.1;
Debian/Ubuntu: \`apt-get install libvulkan1\`) and the vendor's Vulkan driver (NVIDIA: the driver's
nvidia_icd.json, usually under /usr/share/vulkan/icd.d/). Set VK_ICD_FILENAMES to pick a driver; without a GPU,
VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json runs everything on SwiftShader (CPU), and every
report says SOFTWARE ADAPTER.

The first run unpacks node.gz into $TMPDIR (default /tmp) once; it needs gzip.
`;

export interface PackResult {
  out: string;
  bytes: number;
  files: Record<string, number>;
}

export async function runPack(argv: string[]): Promise<PackResult> {
  const out = resolve(arg(argv, '--out') ?? join(ROOT, 'out/moe-lab-bench-pack'));
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`pack builds a Linux x86-64 folder; this is ${process.platform}-${process.arch}`);
  rmSync(out, { recursive: true, force: true });
  const js = join(out, 'lib/js');
  mkdirSync(js, { recursive: true });

  // 1. The bench and the CLI as plain ESM JavaScript. webgpu stays external: its index.js finds dawn.node
  // next to itself.
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    external: ['webgpu'],
    logLevel: 'warning' as const,
    // CommonJS dependencies bundled into ESM still call require().
    banner: {
      js: "import { createRequire as __moeCreateRequire } from 'node:module';\nconst require = __moeCreateRequire(import.meta.url);",
    },
  };
  await build({ ...common, entryPoints: [join(ROOT, 'bench/packEntry.ts')], outfile: join(js, 'bench.mjs') });
  await build({ ...common, entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: join(js, 'moe.mjs') });

  // 2. The webgpu package, only what Linux x86-64 needs.
  const webgpuSrc = join(ROOT, 'node_modules/webgpu');
  const webgpuDst = join(js, 'node_modules/webgpu');
  mkdirSync(join(webgpuDst, 'dist/linux-x64'), { recursive: true });
  for (const f of ['index.js', 'package.json', 'LICENSE.md'])
    if (existsSync(join(webgpuSrc, f))) copyFileSync(join(webgpuSrc, f), join(webgpuDst, f));
  copyFileSync(join(webgpuSrc, 'dist/linux-x64/dawn.node'), join(webgpuDst, 'dist/linux-x64/dawn.node'));

  // 3. The shaders, where the bundled nodeShaders.ts looks for them (lib/js/../../shaders).
  mkdirSync(join(out, 'shaders'));
  for (const f of readdirSync(join(ROOT, 'shaders')))
    if (f.endsWith('.wgsl')) copyFileSync(join(ROOT, 'shaders', f), join(out, 'shaders', f));

  // 4. Node: stripped of its debug info when binutils is there (99 → 86 MB on Debian's node 20), then gzipped.
  const nodeVersion = process.version;
  const stripped = join(out, 'node.stripped.tmp');
  const strip = spawnSync('strip', ['-o', stripped, process.execPath], { stdio: 'ignore' });
  const nodeBytes = readFileSync(strip.status === 0 ? stripped : process.execPath);
  rmSync(stripped, { force: true });
  writeFileSync(join(out, 'node.gz'), gzipSync(nodeBytes, { level: 9 }));

  writeFileSync(join(out, 'run'), LAUNCHER(nodeVersion), { mode: 0o755 });
  writeFileSync(join(out, 'README.md'), README(nodeVersion));
  const files: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(out, p)] = statSync(p).size;
    }
  };
  walk(out);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  const meta = {
    commit,
    node: nodeVersion,
    nodeStripped: strip.status === 0,
    nodeUnpackedBytes: nodeBytes.length,
    files,
  };
  writeFileSync(join(out, 'PACK.json'), `${JSON.stringify(meta, null, 2)}\n`);
  const bytes = folderBytes(out);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  process.stdout.write(
    `packed ${out}: ${mib(bytes)} (limit ${mib(PACK_LIMIT_BYTES)}); node.gz ${mib(files['node.gz'])} (${mib(nodeBytes.length)} unpacked), dawn.node ${mib(files['lib/js/node_modules/webgpu/dist/linux-x64/dawn.node'])}, bench.mjs ${mib(files['lib/js/bench.mjs'])}, moe.mjs ${mib(files['lib/js/moe.mjs'])}\n`,
  );
  if (bytes >= PACK_LIMIT_BYTES)
    throw new Error(`the pack is ${mib(bytes)}, over the ${mib(PACK_LIMIT_BYTES)} limit`);

  if (argv.includes('--check')) {
    const r = spawnSync(join(out, 'run'), ['microbench'], { stdio: 'inherit', env: process.env });
    if (r.status !== 0) throw new Error(`./run microbench exited ${r.status}`);
  }
  return { out, bytes, files };
}
