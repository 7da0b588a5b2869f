import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';

/**
 * The chip editor (src/ui/chipEditor): start from the H100, double its HBM bandwidth, see decode speed rise, and
 * get the same chip and the same numbers from the copied link in a new page.
 */

/** Mixtral at decode batch 8 on H100s: memory-bound, so HBM bandwidth sets the speed per user. */
const START = '/#preset=mixtral-8x7b&phase=decode&T=8&chip=h100&trials=1';

const row = (page: Page, chip: string) =>
  page.getByTestId('chip-comparison-table').locator(`tr[data-chip="${chip}"]`);
const perUser = async (page: Page, chip: string) =>
  Number(await row(page, chip).getAttribute('data-tokens-per-sec-per-user'));
/** Every number the comparison shows for a chip, as its row's data attributes. */
const numbers = (page: Page, chip: string) =>
  row(page, chip).evaluate((tr) =>
    Object.fromEntries(
      [...tr.attributes]
        .filter((a) => a.name.startsWith('data-') && a.name !== 'data-chip')
        .map((a) => [a.name, a.value]),
    ),
  );
/** The layer measured on this device's GPU and nothing running: both pages then project the same measured load. */
const ready = async (page: Page) => {
  await expect(page.getByTestId('measured')).toHaveAttribute('data-engine', 'gpu', { timeout: 150_000 });
  await expect(page.getByTestId('run-status')).toHaveText('Ready', { timeout: 150_000 });
};

test('edit an H100 into a custom chip with twice the HBM bandwidth, and share it by link', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000); // two page loads measured on a software adapter, on shared cores
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(START);
  const editor = page.getByTestId('chip-editor');
  await editor.scrollIntoViewIfNeeded();
  await editor.getByLabel('Start a chip from').selectOption('h100');
  await editor.getByRole('button', { name: 'Add custom chip' }).click();

  const custom = row(page, 'custom-1');
  await expect(custom).toHaveAttribute('data-status', 'hypothetical');
  await expect(custom.locator('th')).toContainText('H100 SXM (edited) (custom)');
  // Unedited, the custom chip is the H100 exactly.
  await expect.poll(() => perUser(page, 'custom-1')).toBe(await perUser(page, 'h100'));
  const before = await perUser(page, 'custom-1');
  expect(before).toBeGreaterThan(0);

  const bandwidth = editor.getByLabel('HBM bandwidth (TB/s)');
  await expect(bandwidth).toHaveValue('3.35');
  await expect(editor.locator('[data-figure="hbmBandwidthTBs"]')).toContainText(
    'datasheet: NVIDIA H100 datasheet',
  );
  const boundBefore = Number(await editor.getByTestId('chip-decode-bound').getAttribute('data-bound'));
  await bandwidth.fill('6.7');
  await bandwidth.press('Enter');
  await expect.poll(() => perUser(page, 'custom-1')).toBeGreaterThan(before * 1.2);
  const boundAfter = Number(await editor.getByTestId('chip-decode-bound').getAttribute('data-bound'));
  expect(boundAfter / boundBefore).toBeCloseTo(2, 6);
  await expect(page.getByTestId('projections')).not.toContainText('NaN');

  await ready(page);
  const h100Numbers = await numbers(page, 'h100');
  const customNumbers = await numbers(page, 'custom-1');
  expect(Number(customNumbers['data-tokens-per-sec-per-user'])).toBeGreaterThan(
    Number(h100Numbers['data-tokens-per-sec-per-user']) * 1.2,
  );

  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('button', { name: 'Link copied' })).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain('#s=');

  const other = await context.newPage();
  await other.setViewportSize({ width: 1400, height: 1000 });
  await other.goto(link);
  await ready(other);
  const again = other.getByTestId('chip-editor');
  await again.scrollIntoViewIfNeeded();
  await expect(again.getByRole('tab', { selected: true })).toContainText('H100 SXM (edited)');
  await expect(again.getByLabel('HBM bandwidth (TB/s)')).toHaveValue('6.7');
  await expect(again.locator('[data-figure="hbmBandwidthTBs"]')).toHaveClass(/edited/);
  await expect.poll(() => numbers(other, 'custom-1'), { timeout: 60_000 }).toEqual(customNumbers);
  await expect.poll(() => numbers(other, 'h100'), { timeout: 60_000 }).toEqual(h100Numbers);
  await expect(other.getByText('This link needed fixing')).toHaveCount(0);

  // The README's picture of the editor (docs/chip-editor.png) when asked for; a test artifact otherwise.
  const path = process.env.MOE_LAB_DOCS_SCREENSHOTS
    ? 'docs/chip-editor.png'
    : join(test.info().project.outputDir, 'screenshots', 'chip-editor.png');
  await page.bringToFront();
  await editor.screenshot({ path });
});

test('a hostile custom-chip link opens with a message naming the fields, never a blank page or NaN', async ({
  page,
}) => {
  const chips = encodeURIComponent(
    JSON.stringify([
      { name: 'Broken', hbmBandwidthTBs: -1, fp8Tflops: 1, sramCapacityMB: 1e7, tileRows: 'many' },
      ...Array.from({ length: 10 }, (_, i) => ({ name: `extra ${i}` })),
    ]),
  );
  await page.goto(`/#chip=h100&customChips=${chips}`);
  const notice = page.getByText('This link needed fixing').locator('..');
  await expect(notice).toBeVisible();
  for (const field of ['hbmBandwidthTBs', 'fp8Tflops', 'sramCapacityMB', 'tileRows', 'at most 4'])
    await expect(page.locator('body')).toContainText(field);
  await expect(row(page, 'custom-4')).toHaveAttribute('data-status', 'hypothetical');
  await expect(row(page, 'custom-5')).toHaveCount(0);
  await expect(page.getByTestId('projections')).not.toContainText('NaN');
  await expect(page.getByTestId('projections')).not.toContainText('Infinity');
});
