import { expect, test } from '@playwright/test';

// Small and on the CPU reference (routing only): the stream takes a second or two.
const LINK =
  '/#T=64&E=16&k=2&expertParallel=16&chipCount=16&chip=h100&steps=32&moeLayers=2&phase=decode&dModel=64&trials=1&engine=cpu';

const numberIn = async (loc: import('@playwright/test').Locator, attr: string) => {
  const v = await loc.getAttribute(attr);
  expect(v, attr).not.toBeNull();
  const n = Number(v);
  expect(Number.isFinite(n), `${attr}=${v}`).toBe(true);
  return n;
};

test('a stream with expert parallelism shows the network heatmaps, busiest rank and placement drift', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto(LINK);
  await page.getByRole('button', { name: 'Run a stream' }).click();
  const view = page.getByTestId('network-view');
  await expect(view).toBeVisible({ timeout: 40_000 });

  // Round-robin and EPLB, 16 × 16, on one colour scale.
  const plain = page.getByTestId('network-heatmap-plain');
  const eplb = page.getByTestId('network-heatmap-eplb');
  await expect(plain).toHaveAttribute('data-rows', '16');
  await expect(eplb).toHaveAttribute('data-cols', '16');
  const scaleMax = await numberIn(plain, 'data-scale-max');
  expect(scaleMax).toBeGreaterThan(0);
  expect(await numberIn(eplb, 'data-scale-max')).toBe(scaleMax);
  await expect(view).toContainText('scale-up domains of 8');

  // Busiest rank, link and the inside/across split, with numbers.
  await expect(page.getByTestId('network-busiest-plain')).toContainText(/rank \d+: [0-9.]+ (B|KiB|MiB)/);
  const stats = page.getByTestId('network-stats-plain');
  expect(await numberIn(stats, 'data-busiest-bytes')).toBeGreaterThan(0);
  expect(await numberIn(stats, 'data-out')).toBeGreaterThan(0);
  await expect(page.getByTestId('network-change')).toContainText(/EPLB/);

  // Hovering a cell reads src → dst bytes.
  const svg = plain.locator('svg').first();
  const box = await svg.boundingBox();
  expect(box).not.toBeNull();
  await svg.hover({ position: { x: 58 + 30, y: 8 + 5 } });
  await expect(page.getByTestId('network-heatmap-plain-readout')).toContainText(/src rank 0, dst rank \d+:/);

  // The combine toggle and another layer keep numbers on screen.
  await page.getByLabel(/combine \(outputs back home\)/).check();
  await expect(page.getByTestId('network-change')).toContainText('combine');
  await page.getByLabel('Network layer').selectOption({ index: 1 });
  await expect(plain).toHaveAttribute('data-rows', '16');

  // Placement: DeepSeek's policy beside flat EPLB, and the drift chart with its half-gain line.
  const placement = page.getByTestId('placement');
  await expect(placement).toContainText('DeepSeek EPLB');
  await expect(page.getByTestId('deepseek-note')).toBeVisible();
  const drift = page.getByTestId('drift-chart');
  await expect(drift).toBeVisible();
  expect(await numberIn(drift, 'data-points')).toBeGreaterThan(1);
  await expect(drift.locator('.recharts-line').first()).toBeVisible();
  await expect(page.getByTestId('drift-chart-callout')).toContainText(/placement computed|no gain/);

  await expect(page.locator('body')).not.toContainText('NaN');
});

test('a load-aware scenario shows load-aware before EPLB, and the selector switches to round-robin', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto(`${LINK}&expertPlacement=load-aware&popularitySkew=1.2`);
  await page.getByRole('button', { name: 'Run a stream' }).click();
  const view = page.getByTestId('network-view');
  await expect(view).toBeVisible({ timeout: 40_000 });

  // The scenario's placement is the "before" side, on EPLB's colour scale, with its busiest rank and link.
  await expect(page.getByTestId('network-charged')).toHaveAttribute('data-placement', 'load-aware');
  const before = page.getByTestId('network-heatmap-load-aware');
  const eplb = page.getByTestId('network-heatmap-eplb');
  await expect(before).toHaveAttribute('data-rows', '16');
  await expect(page.getByTestId('network-heatmap-plain')).toHaveCount(0);
  const scaleMax = await numberIn(before, 'data-scale-max');
  expect(scaleMax).toBeGreaterThan(0);
  expect(await numberIn(eplb, 'data-scale-max')).toBe(scaleMax);
  await expect(page.getByTestId('network-busiest-load-aware')).toContainText(/rank \d+: [0-9.]+ (B|KiB|MiB)/);
  const stats = page.getByTestId('network-stats-load-aware');
  expect(await numberIn(stats, 'data-busiest-bytes')).toBeGreaterThan(0);
  expect(await numberIn(stats, 'data-link-bytes')).toBeGreaterThan(0);
  await expect(page.getByTestId('network-change')).toContainText('against load-aware');

  // Round-robin instead: its own grid and figures, the same EPLB side.
  await page.getByTestId('network-before').getByLabel('round-robin').check();
  await expect(page.getByTestId('network-heatmap-plain')).toHaveAttribute('data-rows', '16');
  await expect(before).toHaveCount(0);
  expect(await numberIn(page.getByTestId('network-stats-plain'), 'data-busiest-bytes')).toBeGreaterThan(0);
  await expect(page.getByTestId('network-change')).toContainText('against round-robin');
  await expect(page.locator('body')).not.toContainText('NaN');
});

test('the import panel accepts .pt, .json and .npy files', async ({ page }) => {
  await page.goto('/#T=64&E=16&k=2');
  const accept = await page.locator('#import-file').getAttribute('accept');
  for (const ext of ['.pt', '.json', '.npy', '.csv']) expect(accept).toContain(ext);
});
