import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';

/** Screenshots of the main views, kept as test artifacts (test-results/screenshots/). */
async function shoot(page: Page, name: string) {
  const path = join(test.info().project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

async function settle(page: Page) {
  await expect(page.getByTestId('measured')).toHaveAttribute('data-engine', 'gpu', { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveText('Ready', { timeout: 120_000 });
  await expect(page.getByTestId('frontier').locator('figure')).toBeVisible({ timeout: 60_000 });
}

const noHorizontalOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('desktop, projector, phone and dark views', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto('/#lesson=hot-experts&trials=1');
  await settle(page);
  await shoot(page, 'desktop-lesson');
  expect(await noHorizontalOverflow(page)).toBe(true);

  await page.goto('/#lesson=hot-experts&trials=1&present=1&theme=dark');
  await settle(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shoot(page, 'projector-dark');
  expect(await noHorizontalOverflow(page)).toBe(true);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/#T=128&trials=1');
  await settle(page);
  await shoot(page, 'phone');
  expect(await noHorizontalOverflow(page)).toBe(true);
});
