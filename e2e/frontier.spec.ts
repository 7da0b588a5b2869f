import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';

// A small decode scenario on the CPU reference; the layout search runs in the sweep worker for two chips, one of
// them hypothetical.
const LINK =
  '/#T=64&E=16&k=2&moeLayers=2&dModel=64&trials=1&engine=cpu&phase=decode&chip=h100,sram-7nm&targetSpeed=50';

test('the throughput-per-chip frontier shows each chip at its best layout, on hover and in the CSV', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.goto(LINK);
  const panel = page.getByTestId('throughput-frontier');
  const chart = panel.getByTestId('layout-frontier-throughput');
  await expect(chart).toBeVisible({ timeout: 60_000 });
  await expect(chart).toHaveAttribute('data-series', '2');
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(2);
  // The hypothetical chip is named so in the legend.
  await expect(chart.locator('.recharts-legend-wrapper')).toContainText('(hypothetical)');
  await expect(panel).toContainText(/candidate layouts projected in/);

  // Hovering a point shows the layout the search chose for that speed.
  const dot = chart.locator('.recharts-scatter-symbol').first();
  await dot.hover();
  const tip = page.getByTestId('layout-frontier-tooltip');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(/tokens\/s per user/);
  await expect(page.getByTestId('layout-frontier-tooltip-layout')).toHaveText(
    /^\d+ chips?.*: TP \d+ × DP \d+, EP \d+ × expert TP \d+, batch \d+$/,
  );

  // The $/M-tokens chart is drawn from the same search.
  const cost = page.getByTestId('frontier').getByTestId('layout-frontier-cost');
  await expect(cost).toBeVisible();
  expect(Number(await cost.getAttribute('data-points'))).toBeGreaterThan(1);

  // The CSV carries every point's layout.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('button', { name: /as CSV/ }).click(),
  ]);
  const path = await download.path();
  expect(path).toBeTruthy();
  const csv = await readFile(path as string, 'utf8');
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  expect(header).toContain('tensor_parallel');
  expect(header).toContain('expert_tensor_parallel');
  expect(header).toContain('output_tokens_per_s_per_chip');
  expect(rows.length).toBeGreaterThan(2);
  expect(rows.some((r) => r.startsWith('sram-7nm,') && r.includes(',true,'))).toBe(true);
  expect(csv).not.toMatch(/NaN|Infinity/);

  for (const id of ['throughput-frontier', 'frontier']) {
    await expect(page.getByTestId(id)).not.toContainText(/NaN|undefined|Infinity/);
  }
});

// The README's picture of the frontier: MOE_LAB_DOCS_SCREENSHOTS=1 npx playwright test e2e/frontier.spec.ts
test('docs screenshot: DeepSeek-V3 on four chips, a layout on hover', async ({ page }) => {
  test.skip(!process.env.MOE_LAB_DOCS_SCREENSHOTS, 'only when making the docs screenshots');
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1100, height: 1000 });
  await page.goto(
    '/#preset=deepseek-v3&phase=decode&weightFormat=fp8&expertFormat=fp8&contextLength=4096&chip=h100,b200,mi300x,sram-7nm&targetSpeed=50&engine=cpu&trials=1',
  );
  const panel = page.getByTestId('throughput-frontier');
  const chart = panel.getByTestId('layout-frontier-throughput');
  await expect(chart).toHaveAttribute('data-series', '4', { timeout: 150_000 });
  await chart.locator('.recharts-scatter-symbol').nth(4).hover();
  await expect(page.getByTestId('layout-frontier-tooltip')).toBeVisible();
  await panel.screenshot({ path: 'docs/throughput-frontier.png' });
});
