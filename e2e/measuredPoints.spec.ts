import { expect, test } from '@playwright/test';

const CSV = [
  'label,model,chip,chips,tp,ep,isl,osl,concurrency,TPOT (ms)',
  'DSR1 H200 c64,DeepSeek-R1,H200,8,8,8,1024,1024,64,45',
  'Mixtral H100 c32,mixtral-8x7b,h100,2,2,1,1024,256,32,14',
  'gpt-oss B200 c16,gpt-oss-120b,b200,1,1,1,1024,1024,16,5.5',
].join('\n');
const LABELS = ['DSR1 H200 c64', 'Mixtral H100 c32', 'gpt-oss B200 c16'];

test('pasted benchmark points show a residual table and an overlay, and travel in the link', async ({
  page,
  context,
}) => {
  test.setTimeout(240_000); // two page loads on a software adapter, on shared cores
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  const panel = page.getByTestId('user-points');
  await panel.scrollIntoViewIfNeeded();
  await expect(panel.getByTestId('user-points-empty')).toBeVisible();
  await panel.getByLabel('Benchmark points (CSV)').fill(CSV);

  const rows = panel.getByTestId('user-points-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  for (const [i, label] of LABELS.entries()) {
    await expect(rows.nth(i)).toHaveAttribute('data-label', label);
    const error = Number(await rows.nth(i).getAttribute('data-error'));
    expect(Number.isFinite(error)).toBe(true);
  }
  await expect(rows.nth(0)).toContainText('deepseek-v3 on 8× h200');
  await expect(panel.getByTestId('user-points-median')).toContainText('Median |error| over 3 points');
  await expect(panel).not.toContainText('NaN');

  const chart = panel.getByTestId('measured-overlay-chart');
  await expect(chart).toHaveAttribute('data-points', '3');
  await expect(chart).toHaveAttribute('data-curves', '3');
  await expect(chart.locator('svg.recharts-surface').first()).toBeVisible();
  await expect(chart.locator('text.overlay-label', { hasText: 'Mixtral H100 c32' })).toHaveCount(1);
  // Hovering a point shows its setup.
  await chart.locator('svg.recharts-surface').last().scrollIntoViewIfNeeded();
  const dot = await chart.locator('.recharts-scatter-symbol circle').first().boundingBox();
  expect(dot).not.toBeNull();
  if (dot) await page.mouse.move(dot.x + dot.width / 2, dot.y + dot.height / 2);
  await expect(chart.getByTestId('measured-overlay-tooltip')).toContainText('deepseek-v3 on 8× h200');

  // The stack-level switch re-projects: the table says which level it used.
  await panel.getByRole('radio', { name: /^untuned/ }).check();
  await expect(rows.nth(0).locator('td').last()).toHaveText('untuned');
  await expect(chart).toHaveAttribute('data-stack-level', 'untuned');

  await expect(panel.getByTestId('user-points-link-status')).toContainText('travel in the link');
  await expect.poll(() => page.url()).toContain('pts=1.');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('button', { name: 'Link copied' })).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain('pts=1.');

  const other = await context.newPage();
  await other.goto(link);
  const again = other.getByTestId('user-points');
  await again.scrollIntoViewIfNeeded();
  const rowsAgain = again.getByTestId('user-points-table').locator('tbody tr');
  await expect(rowsAgain).toHaveCount(3);
  for (const [i, label] of LABELS.entries()) {
    await expect(rowsAgain.nth(i)).toHaveAttribute('data-label', label);
    await expect(rowsAgain.nth(i)).toHaveAttribute(
      'data-measured',
      (await rows.nth(i).getAttribute('data-measured')) as string,
    );
  }
  await expect(again.getByTestId('measured-overlay-chart')).toHaveAttribute('data-points', '3');
  await expect(again.getByLabel('Benchmark points (CSV)')).toHaveValue(/gpt-oss B200 c16/);
});

test('a damaged pts in a link is reported and the rest of the link still opens', async ({ page }) => {
  await page.goto('/#T=64&pts=1.garbage!!');
  await expect(page.getByRole('alert').first()).toContainText('Benchmark points in this link');
  await expect(page.getByLabel('Tokens per batch T (tokens)', { exact: true })).toHaveValue('64');
  const panel = page.getByTestId('user-points');
  await expect(panel.getByTestId('user-points-problems')).toContainText('damaged');
  await expect(panel.getByTestId('user-points-empty')).toBeVisible();
});

test('a loaded CSV of more than 12 points is shown but not put in the link; bad rows are listed', async ({
  page,
}) => {
  await page.goto('/');
  const rows = Array.from(
    { length: 13 },
    (_, i) => `c${2 ** (i % 7)},deepseek-v3,h200,8,8,8,1024,1024,${2 ** (i % 7)},${30 + i}`,
  );
  const csv = [
    'label,model,chip,gpus,tp,ep,isl,osl,concurrency,tpot_ms',
    ...rows,
    'bad,deepseek-v3,h200,8,8,8,1024,1024,64,NaN',
  ].join('\n');
  const panel = page.getByTestId('user-points');
  await panel.scrollIntoViewIfNeeded();
  await panel
    .getByLabel('Load a .csv file')
    .setInputFiles({ name: 'points.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(panel.getByTestId('user-points-table').locator('tbody tr')).toHaveCount(13);
  await expect(panel.getByTestId('user-points-link-status')).toContainText('not put in the link');
  await expect(panel.getByTestId('user-points-problems')).toContainText(
    'Line 15: tpot_ms "NaN" is not a number',
  );
  await expect(panel).not.toContainText('NaN%');
  await page.waitForTimeout(500); // the link is written after a short throttle
  expect(page.url()).not.toContain('pts=');
});
