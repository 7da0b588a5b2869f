import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { LESSONS } from '../src/scenario';

const measured = (page: Page) => page.getByTestId('measured');

/** Real runs of full-size model presets on a software adapter take a while: wait for them. */
async function waitForRun(page: Page, timeout = 120_000) {
  await expect(measured(page)).toBeVisible({ timeout });
  await expect(page.getByTestId('run-status')).toHaveText('Ready', { timeout });
}

for (const lesson of LESSONS) {
  test(`lesson "${lesson.id}" opens and shows real numbers`, async ({ page }) => {
    test.setTimeout(300_000);
    // One timed trial keeps the suite short; the lesson's scenario is otherwise untouched.
    await page.goto(`/#lesson=${lesson.id}&trials=1`);
    await expect(page.getByTestId('lesson-card')).toContainText(lesson.title);
    await expect(page.getByText(lesson.question)).toBeVisible();
    await waitForRun(page, 240_000);
    const max = Number(await measured(page).getByTestId('expert-load-chart').getAttribute('data-max'));
    expect(max).toBeGreaterThan(0);
    const rows = page.getByTestId('projections').locator('tr[data-chip]');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const tps of await rows.evaluateAll((trs) =>
      trs.map((tr) => Number(tr.getAttribute('data-tokens-per-sec-per-user'))),
    )) {
      expect(Number.isFinite(tps) && tps > 0).toBe(true);
    }
    await expect(page.locator('body')).not.toContainText('NaN');
  });
}

test('a parameter edit re-runs and changes the numbers', async ({ page }) => {
  await page.goto('/#T=256&E=16&k=2&seed=1');
  await waitForRun(page);
  const before = await measured(page).getAttribute('data-counts');
  const seed = page.getByLabel('Seed', { exact: true });
  await seed.fill('2');
  await seed.press('Enter');
  await expect(measured(page)).not.toHaveAttribute('data-counts', before ?? '', { timeout: 90_000 });
});

test('pin and compare two scenarios side by side', async ({ page }) => {
  await page.goto('/#T=128&E=16&k=2&seed=1');
  await waitForRun(page);
  await page.getByRole('button', { name: 'Pin to compare' }).click();
  const k = page.getByLabel('Experts per token k', { exact: true });
  await k.fill('4');
  await k.press('Enter');
  const compare = page.getByTestId('compare');
  await expect(compare).toContainText('Experts per token k: 2 → 4');
  await expect(page.getByTestId('measured')).toHaveAttribute('data-counts', /.+/);
  await waitForRun(page);
  const cells = compare.locator('tr[data-metric="distinctExperts"] td');
  await expect(cells).toHaveCount(2);
  await expect(cells.nth(0)).not.toHaveText('—');
  await expect(cells.nth(1)).not.toHaveText('—');
});

test('presentation and embed links round-trip', async ({ page }) => {
  await page.goto('/#lesson=capacity&present=1');
  await expect(page.locator('html')).toHaveClass(/present/);
  await expect(page.getByLabel('Capacity factor', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Hidden size d (dims)', { exact: true })).toHaveCount(0);
  await expect(page).toHaveURL(/present=1/);
  const link = page.url();
  await page.goto('about:blank');
  await page.goto(link);
  await expect(page.locator('html')).toHaveClass(/present/);
  await expect(page.getByTestId('lesson-card')).toContainText('Capacity factor');

  await page.goto('/#lesson=top-k&embed=1');
  await expect(page.getByRole('link', { name: 'Open in moe-lab' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Scenario editor' })).toHaveCount(0);
  await expect(page).toHaveURL(/embed=1/);
  const embedLink = page.url();
  await page.goto('about:blank');
  await page.goto(embedLink);
  await expect(page.getByRole('link', { name: 'Open in moe-lab' })).toBeVisible();
});

test('axe finds no serious accessibility violations, in light and dark themes', async ({ page }) => {
  for (const theme of ['light', 'dark']) {
    await page.goto(`/#T=64&theme=${theme}`);
    await waitForRun(page);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0]?.target})`)).toEqual([]);
  }
});

test('a lesson shows its precomputed load at once, and the real run on this device agrees', async ({
  page,
}) => {
  await page.goto('/#lesson=hot-experts&trials=1');
  await expect(measured(page)).toHaveAttribute('data-engine', 'precomputed', { timeout: 10_000 });
  await expect(page.getByTestId('provenance')).toContainText('Precomputed on the CPU reference engine');
  const shipped = await measured(page).getAttribute('data-counts');
  await expect(measured(page)).toHaveAttribute('data-engine', 'gpu', { timeout: 120_000 });
  await expect(measured(page)).toHaveAttribute('data-counts', shipped ?? '');
});
