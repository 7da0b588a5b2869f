import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Which Chromium to drive (e2e tests and the peer benchmark): MOE_LAB_CHROMIUM (or CHROMIUM_PATH) first, then the
 * `chromium` on PATH (Debian's package here and in CI), then Playwright's own download (undefined:
 * `npx playwright install chromium` on a laptop).
 */
export function findChromium(): string | undefined {
  const override = process.env.MOE_LAB_CHROMIUM ?? process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override))
      throw new Error(`MOE_LAB_CHROMIUM points at ${override}, which does not exist`);
    return override;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH; try the next name
    }
  }
  return undefined;
}

/** WebGPU on SwiftShader (no GPU needed), and no background traffic on a machine with a closed network. */
export const WEBGPU_CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
