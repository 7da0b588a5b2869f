import { expect, test } from '@playwright/test';

test('importing a count table shows its metrics and the projections use it', async ({ page }) => {
  await page.goto('/#T=64&E=16&k=2');
  await page.getByLabel(/Or a file/).setInputFiles('test/fixtures/sglang_small.csv');
  const preview = page.getByTestId('import-preview');
  await expect(preview).toContainText('2 layers, 8 experts');
  await preview.getByRole('button', { name: 'Use this load' }).click();
  const metrics = page.getByTestId('imported-metrics');
  // Layer 1: counts 400,30,60,10,200,45,5,50 → mean 100, max 400.
  await expect(metrics.locator('tr[data-max-over-mean]').first()).toHaveAttribute('data-max-over-mean', '4');
  await expect(metrics.locator('tr[data-max-over-mean]').nth(1)).toHaveAttribute('data-max-over-mean', '1.1');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('8');
  const projections = page.getByTestId('projections');
  await expect(projections).toContainText('imported');
  const tps = await projections
    .locator('tr[data-chip]')
    .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-tokens-per-sec-per-user'))));
  expect(tps.length).toBeGreaterThan(0);
  for (const v of tps) expect(v).toBeGreaterThan(0);
});

test('a malformed file gets a clear message and loses nothing', async ({ page }) => {
  await page.goto('/#T=64&E=16&k=2');
  await page.getByLabel(/Or a file/).setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('layer_id,expert_id,count\n0,0,5\n0,1,-3\n'),
  });
  await expect(page.getByTestId('import-error')).toContainText(/negative|-3/);
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('16');
});

test('a stream shows steps × experts, layers × experts and the balancing what-ifs', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/#T=32&E=8&k=2&steps=4&moeLayers=2&phase=decode&dModel=64&trials=1');
  await page.getByRole('button', { name: 'Run a stream' }).click();
  await expect(page.getByTestId('steps-heatmap')).toBeVisible({ timeout: 200_000 });
  await expect(page.getByTestId('steps-heatmap')).toHaveAttribute('data-rows', '4');
  await expect(page.getByTestId('layers-heatmap')).toHaveAttribute('data-rows', '2');
  await expect(page.getByTestId('bias-curve')).toBeVisible();
  await expect(page.getByTestId('sparsity-chart')).toBeVisible();
  await expect(page.getByTestId('placement')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('NaN');
});

test('a recorded trace preset is fetched, previewed and used as the load', async ({ page }) => {
  await page.goto('/#T=64&E=16&k=2');
  await page.getByLabel('Recorded from a real model').selectOption('esft-lite-translation-sglang');
  const preview = page.getByTestId('import-preview');
  // DeepSeek-V2-Lite: 26 MoE layers of 64 routed experts, top-6.
  await expect(preview).toContainText('26 layers, 64 experts, 8,251 tokens, top-6');
  await expect(preview).toContainText('deepseek-ai/ESFT');
  await preview.getByRole('button', { name: 'Use this load' }).click();
  await expect(page.getByTestId('imported-load')).toContainText('DeepSeek-V2-Lite translation');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('64');
  await expect(page.getByLabel('Experts per token k', { exact: true })).toHaveValue('6');
});
