import { expect, test } from '@playwright/test';

/**
 * The first screen (src/scenario/presets/firstScreen.ts): a real model, measured here at a reduced scale and
 * projected at full size, shown within 2 s of navigation on an idle 2-core machine (the time is printed; the test
 * only guards against a screen that waits for the measurement).
 */

/** Milliseconds from navigation start until the chip table shows its first row (checked every animation frame). */
async function timeToFirstProjection(page: import('@playwright/test').Page): Promise<number> {
  const handle = await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="projections"] tr[data-chip][data-tokens-per-sec-per-user]')
        ? performance.now()
        : false,
    null,
    { polling: 'raf', timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

test('a fresh load shows OLMoE-1B-7B projected at full size at once, then measures it here at a reduced scale', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  const ms = await timeToFirstProjection(page);
  test.info().annotations.push({ type: 'time to first projection', description: `${Math.round(ms)} ms` });
  console.log(`time to first projection: ${Math.round(ms)} ms`);
  // A guard, not the benchmark (speed is measured, not asserted: 1.25–1.35 s on an idle 2-core machine, see the
  // README); a full test run on the same cores can slow it several-fold.
  expect(ms).toBeLessThan(10_000);

  await expect(page.getByLabel('Model preset')).toHaveValue('olmoe-1b-7b');
  await expect(page.getByLabel('Hidden size d (dims)', { exact: true })).toHaveValue('2048');
  const table = page.getByTestId('chip-comparison-table');
  await expect(table.locator('thead')).toContainText('tokens/s per user');
  const h100 = table.locator('tr[data-chip="h100"]');
  const perUser = Number(await h100.getAttribute('data-tokens-per-sec-per-user'));
  // Believable for a 7B-parameter MoE decoding 64 sequences on an H100 node: tens to hundreds, not millions.
  expect(perUser).toBeGreaterThan(10);
  expect(perUser).toBeLessThan(5000);

  const measured = page.getByTestId('measured');
  await expect(measured).toHaveAttribute('data-engine', 'gpu', { timeout: 150_000 });
  await expect(measured).toContainText('f 1024 → 8');
});

test('prefill results say prompt tokens/s, not tokens/s per user', async ({ page }) => {
  await page.goto('/#preset=olmoe-1b-7b&phase=prefill&engine=cpu');
  const head = page.getByTestId('chip-comparison-table').locator('thead');
  await expect(head).toContainText('prompt tokens/s');
  await expect(head).not.toContainText('per user');
});

test('on a narrow screen the lesson and the results come before the parameter panels', async ({ page }) => {
  await page.setViewportSize({ width: 600, height: 900 });
  await page.goto('/#lesson=hot-experts&engine=cpu');
  const lesson = await page.getByTestId('lesson-card').boundingBox();
  const results = await page.getByTestId('projections').boundingBox();
  const panel = await page.getByLabel('Model preset').boundingBox();
  expect(lesson && results && panel).toBeTruthy();
  if (!lesson || !results || !panel) return;
  expect(lesson.y).toBeLessThan(panel.y);
  expect(results.y).toBeLessThan(panel.y);
});

test('the stream measures routing only by default, over every OLMoE layer, in seconds', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('stream-time-ffn')).not.toBeChecked();
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Run a stream' }).click();
  const layers = page.getByTestId('layers-heatmap');
  await expect(layers).toBeVisible({ timeout: 150_000 });
  const seconds = (Date.now() - t0) / 1000;
  console.log(`routing-only stream over 16 layers: ${seconds.toFixed(1)} s`);
  await expect(layers).toHaveAttribute('data-rows', '16');
  await expect(page.getByTestId('dynamics')).toContainText('routing only');
  // A guard, not a benchmark: about 10 s on an idle 2-core machine, 80 s with a full test run beside it.
  expect(seconds).toBeLessThan(120);
});
