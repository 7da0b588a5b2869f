import { expect, type Locator, type Page, test } from '@playwright/test';
import { findLesson } from '../src/scenario';

/**
 * The hardware lessons: each opens from its link and shows what it tells the class to look at. Speeds are never
 * asserted (SwiftShader times are CPU times); the numbers must exist, be finite, and move the way the lesson says.
 */

const measured = (page: Page) => page.getByTestId('measured');
const chipRow = (page: Page, chip: string) =>
  page.getByTestId('projections').locator(`tr[data-chip="${chip}"]`);

async function numberAttr(el: Locator, name: string): Promise<number> {
  const raw = await el.getAttribute(name);
  const v = Number(raw);
  expect(Number.isFinite(v), `${name}="${raw}"`).toBe(true);
  return v;
}

/** Wait for a finished GPU run on this page (the precomputed load shown first does not count). */
async function waitForGpuRun(page: Page, timeout = 200_000) {
  await expect(measured(page)).toHaveAttribute('data-engine', 'gpu', { timeout });
  await expect(page.getByTestId('run-status')).toHaveText('Ready', { timeout });
}

/** After an edit: wait until the run on this device has replaced the load that was measured before it. */
async function waitForNewRun(page: Page, countsBefore: string | null, timeout = 200_000) {
  await expect
    .poll(async () => (await measured(page).getAttribute('data-counts')) !== countsBefore, { timeout })
    .toBe(true);
  await waitForGpuRun(page, timeout);
}

async function setNumber(page: Page, label: string, value: string) {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(value);
  await input.press('Enter');
}

test('lesson "design-your-chip": DeepSeek-V3 at 50 tokens/s per user, the H100 compared, a cheapest design in $/M tokens', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const lesson = findLesson('design-your-chip');
  expect(lesson).toBeDefined();
  await page.goto('/#lesson=design-your-chip&trials=1');
  const card = page.getByTestId('lesson-card');
  await expect(card).toContainText('Design your own chip');
  await expect(card).toContainText('chip editor');
  await expect(page.getByLabel('Model preset')).toHaveValue('deepseek-v3');
  await expect(page.getByLabel('Target speed per user (tokens/s)', { exact: true })).toHaveValue('50');
  const h100 = chipRow(page, 'h100');
  await expect(h100).toBeVisible();
  expect(await numberAttr(h100, 'data-usd-per-m-tokens')).toBeGreaterThan(0);
  const best = page.getByTestId('design-best');
  await best.scrollIntoViewIfNeeded();
  await expect(best).toHaveAttribute('data-usd', /\d/, { timeout: 120_000 });
  expect(await numberAttr(best, 'data-usd')).toBeGreaterThan(0);
  await expect(best).toContainText('per million tokens');
  // What the lesson asks for is on screen from the precomputed load; the run on this device is not waited for.
  await expect(page.locator('body')).not.toContainText('NaN');
});

test('lesson "dimensions-fit": the layer runs at d = 4096 and d = 4100, and the pinned comparison times both per stage', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await page.goto('/#lesson=dimensions-fit&trials=1');
  await expect(page.getByTestId('lesson-card')).toContainText('Dimensions that fit the chip');
  await expect(page.getByLabel('Hidden size d (dims)', { exact: true })).toHaveValue('4096');
  await waitForGpuRun(page);
  const ffnHere = measured(page).getByTestId('stage-table').locator('tr[data-stage="ffn"]');
  await expect(ffnHere).toBeVisible();
  const before = await measured(page).getAttribute('data-counts');

  await page.getByRole('button', { name: 'Pin to compare' }).click();
  await setNumber(page, 'Hidden size d (dims)', '4100');
  await waitForNewRun(page, before);

  const compare = page.getByTestId('compare');
  await expect(compare).toContainText('4096 → 4100');
  for (const stage of ['router', 'ffn']) {
    const row = compare.locator(`tr[data-stage="${stage}"]`);
    expect(await numberAttr(row, 'data-pinned-ms')).toBeGreaterThan(0);
    expect(await numberAttr(row, 'data-current-ms')).toBeGreaterThan(0);
  }
  await expect(page.locator('body')).not.toContainText('NaN');
});

test('lesson "static-vs-programmable": balancing the load speeds up the H100 but not the static-shape ASIC', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await page.goto('/#lesson=static-vs-programmable&trials=1');
  await expect(page.getByTestId('lesson-card')).toContainText('static-shape ASIC');
  await waitForGpuRun(page);
  const gpu = chipRow(page, 'h100');
  const asic = chipRow(page, 'static-asic');
  await expect(gpu).toBeVisible();
  await expect(asic).toBeVisible();
  await expect(asic).toHaveAttribute('data-status', 'hypothetical');
  const skewed = {
    gpu: await numberAttr(gpu, 'data-step-time'),
    gpuExperts: await numberAttr(gpu, 'data-experts-time'),
    asic: await numberAttr(asic, 'data-step-time'),
    asicExperts: await numberAttr(asic, 'data-experts-time'),
  };
  // Under skew with capacity factor 4 nothing is dropped, and the ASIC pays every expert the hottest one's rows.
  expect(await numberAttr(asic, 'data-dropped-share')).toBe(0);
  expect(skewed.asicExperts).toBeGreaterThanOrEqual(0.9 * skewed.gpuExperts);

  const before = await measured(page).getAttribute('data-counts');
  await setNumber(page, 'Expert popularity skew', '0');
  await setNumber(page, 'Topic concentration', '0');
  await waitForNewRun(page, before);
  await expect
    .poll(async () => numberAttr(gpu, 'data-step-time'), { timeout: 30_000 })
    .toBeLessThan(0.97 * skewed.gpu);
  const balancedAsic = await numberAttr(asic, 'data-step-time');
  expect(balancedAsic).toBeGreaterThanOrEqual(0.99 * skewed.asic);
  expect(await numberAttr(asic, 'data-experts-time')).toBeGreaterThanOrEqual(0.99 * skewed.asicExperts);
  await expect(page.locator('body')).not.toContainText('NaN');
});
