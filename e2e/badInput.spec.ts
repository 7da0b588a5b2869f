import { expect, type Page, test } from '@playwright/test';

/** Bad input never passes silently: each bad file or scenario gets a clear one-line message, and the page works on. */

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
});

/** Uncaught page errors, collected so a test can assert there were none. */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * A .npy file (format 1.0) whose header's shape is `depth` nested tuples: a recursive header parser overflows the
 * stack on it. The header stays under the reader's 64 KiB limit, padded so the data starts on 64 bytes.
 */
function nestedNpy(depth: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(depth)}1${',)'.repeat(depth)}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = Buffer.alloc(10 + header.length + 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  return out;
}

/** After a refused file, a good count table still previews: the panel and the page still work. */
async function goodFileStillWorks(page: Page) {
  await page.getByLabel(/Or a file/).setInputFiles({
    name: 'good.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('layer_id,expert_id,count\n0,0,5\n0,1,3\n0,2,4\n0,3,4\n'),
  });
  await expect(page.getByTestId('import-preview')).toContainText('1 layer, 4 experts');
  await expect(page.getByTestId('import-error')).toHaveCount(0);
}

test('a count table with NaN counts is refused with a clear message, and the page keeps working', async ({
  page,
}) => {
  const errors = pageErrors(page);
  await page.goto('/#T=64&E=16&k=2');
  await page.getByLabel(/Or a file/).setInputFiles({
    name: 'nan.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('layer_id,expert_id,count\n0,0,5\n0,1,NaN\n0,2,7\n'),
  });
  const message = page.getByTestId('import-error');
  await expect(message).toContainText('nan.csv');
  await expect(message).toContainText(/not a number|NaN/);
  await expect(page.getByTestId('import-preview')).toHaveCount(0);
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('16');
  await goodFileStillWorks(page);
  expect(errors).toEqual([]);
});

test('a .npy with a deeply nested header and an empty file get one clear line each', async ({ page }) => {
  const errors = pageErrors(page);
  await page.goto('/#T=64&E=16&k=2');
  const bytes = nestedNpy(21_000);
  expect(bytes.length).toBeLessThan(64 * 1024);
  await page.getByLabel(/Or a file/).setInputFiles({
    name: 'nested.npy',
    mimeType: 'application/octet-stream',
    buffer: bytes,
  });
  const message = page.getByTestId('import-error');
  await expect(message).toContainText('nested.npy');
  // Said in words: never the engine's raw "Maximum call stack size exceeded".
  await expect(message).not.toContainText(/call stack/i);
  const text = (await message.textContent()) ?? '';
  expect(text.length).toBeLessThan(400);
  expect(text).not.toContain('\n');

  // Refused by its size before it is read (checkInputSize), in the panel's own line.
  await page
    .getByLabel(/Or a file/)
    .setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
  await expect(page.getByTestId('import-failed')).toContainText(
    'Import failed: empty.csv: the file is empty',
  );
  await goodFileStillWorks(page);
  await expect(page.getByTestId('import-failed')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('an invalid scenario file is reported and the current scenario stays', async ({ page }) => {
  const errors = pageErrors(page);
  await page.goto('/#T=64&E=24&k=3');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('24');
  await page.getByLabel('Open scenario file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"experts": 8, "topK": '),
  });
  await expect(page.getByRole('alert').filter({ hasText: /JSON/ }).first()).toBeVisible();
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('24');
  await expect(page.getByLabel('Experts per token k', { exact: true })).toHaveValue('3');
  expect(errors).toEqual([]);
});

test('a layer the CPU engine cannot hold is refused by its planner, in words, at once', async ({ page }) => {
  const errors = pageErrors(page);
  // T·E logits alone are 2^20 · 1024 · 4 bytes = 4 GiB.
  await page.goto('/#engine=cpu&T=1048576&E=1024&k=8');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('1024');
  const status = page.getByTestId('run-status');
  await expect(status).toContainText('Run failed: the scenario does not fit the CPU engine', {
    timeout: 10_000,
  });
  await expect(status).toContainText('T·E logits');
  await expect(status).toContainText('lower tokens T or experts E');
  await expect(page.getByRole('alert').filter({ hasText: 'The run failed' })).toBeVisible();
  // The page still works: a smaller layer (fewer experts, then fewer tokens) runs.
  for (const [label, value] of [
    ['Routed experts E', '8'],
    ['Tokens per batch T (tokens)', '64'],
  ]) {
    const field = page.getByLabel(label, { exact: true });
    await field.fill(value);
    await field.press('Enter');
    await expect(field).toHaveValue(value);
  }
  await expect(status).not.toContainText('Run failed', { timeout: 10_000 });
  await expect(page.getByTestId('measured')).toHaveAttribute('data-engine', 'cpu', { timeout: 10_000 });
  expect(errors).toEqual([]);
});

test('a chip file of another kind, too deep or not JSON is refused in one line and adds no chip', async ({
  page,
}) => {
  const errors = pageErrors(page);
  await page.goto('/#T=64&E=8&k=2');
  const editor = page.getByTestId('chip-editor');
  await editor.scrollIntoViewIfNeeded();
  const cases: [string, string, RegExp][] = [
    ['scenario.json', '{"experts": 8, "topK": 2}', /scenario\.json holds none of a chip file's keys/],
    [
      'deep.json',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      /deep\.json is not a chip file: nested 5000 levels/,
    ],
    ['half.json', '{"name": "x", ', /half\.json is not a chip file/],
    [
      'huge.json',
      ' '.repeat(70_000),
      /huge\.json: the file is 68\.4 KiB; at most 64\.0 KiB is read as a chip file/,
    ],
  ];
  for (const [name, text, message] of cases) {
    await page.getByLabel('Open chip file').setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    await expect(editor.locator('.chip-status')).toHaveText(message);
  }
  await expect(page.getByTestId('chip-comparison-table').locator('tr[data-chip^="custom-"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});
