import { expect, type Page, test } from '@playwright/test';

const status = (page: Page) => page.getByTestId('gpu-status');

test('reports the WebGPU adapter and says when it is software', async ({ page }) => {
  await page.goto('/');
  await expect(status(page)).toContainText('WebGPU adapter');
  await expect(status(page)).toContainText(/swiftshader/i);
  await expect(status(page)).toContainText('software adapter');
});

test('editing a parameter changes the URL, and reloading restores it', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/#s=/);
  const before = page.url();
  const experts = page.getByLabel('Routed experts E', { exact: true });
  await experts.fill('24');
  await experts.press('Enter');
  await expect.poll(() => page.url()).not.toBe(before);
  const withExperts = page.url();
  await page.getByLabel('Score function').selectOption('sigmoid');
  await expect.poll(() => page.url()).not.toBe(withExperts); // the throttled replaceState landed
  const saved = page.url();
  await page.goto('about:blank');
  await page.goto(saved);
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('24');
  await expect(page.getByLabel('Score function')).toHaveValue('sigmoid');
});

test('a garbage hash shows a message and a valid scenario', async ({ page }) => {
  await page.goto('/#s=%%%not-a-scenario&topK=banana');
  const alert = page.getByRole('alert').first();
  await expect(alert).toContainText('This link needed fixing');
  await expect(alert).toContainText('topK');
  await expect(page.getByLabel('Experts per token k', { exact: true })).toHaveValue('2');
  await page.getByRole('button', { name: /Dismiss/ }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a preset short link opens that preset with its chips', async ({ page }) => {
  await page.goto('/#preset=deepseek-v3&chip=h100,groq-lpu');
  await expect(page.getByLabel('Model preset')).toHaveValue('deepseek-v3');
  await expect(page.getByLabel('Hidden size d (dims)', { exact: true })).toHaveValue('7168');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('256');
  await expect(page.getByLabel('Score function')).toHaveValue('sigmoid');
  await expect(page.getByRole('checkbox', { name: 'NVIDIA H100 SXM' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /Groq LPU/ })).toBeChecked();
  await expect(page).toHaveURL(/#s=/);
});

test('a scenario file opens, and a malformed one is reported without losing the current scenario', async ({
  page,
}) => {
  await page.goto('/#T=64');
  await page.getByLabel('Open scenario file').setInputFiles({
    name: 's.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ v: 2, experts: 24, topK: 3, seed: 9 })),
  });
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('24');
  await expect(page.getByLabel('Experts per token k', { exact: true })).toHaveValue('3');
  await page.getByLabel('Open scenario file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"experts": 8,'),
  });
  await expect(page.getByRole('alert').first()).toContainText('not valid JSON');
  await expect(page.getByLabel('Routed experts E', { exact: true })).toHaveValue('24');
});
