import { expect, test } from '@playwright/test';

// A browser without WebGPU: navigator.gpu is absent, as in browsers that do not ship it.
test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
});

test('without WebGPU the CPU engine runs and its results are labelled', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#T=128&E=8&k=2');
  await expect(page.getByTestId('gpu-status')).toContainText('no navigator.gpu');
  await expect(page.getByTestId('gpu-status')).toContainText('CPU reference engine runs instead');
  const measured = page.getByTestId('measured');
  await expect(measured).toHaveAttribute('data-engine', 'cpu', { timeout: 60_000 });
  await expect(page.getByTestId('provenance')).toContainText('CPU reference engine');
  await expect(page.getByTestId('expert-load-chart')).toHaveAttribute('aria-label', /CPU reference engine/);
  const total = (await measured.getAttribute('data-counts'))?.split(',').reduce((a, b) => a + Number(b), 0);
  expect(total).toBe(128 * 2);
  await expect(page.getByTestId('projections')).toContainText('CPU reference engine');
  expect(errors).toEqual([]);
});
