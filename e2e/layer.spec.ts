import { expect, test } from '@playwright/test';
import { runReferenceLayer } from '../src/reference';
import { decodeHash } from '../src/scenario';
import { generateLayerTensors, layerConfigFromScenario } from '../src/workload';

test('runs the whole layer on WebGPU from the app, verified against the CPU reference', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto('/#T=200&E=12&k=3&seed=5');
  const measured = page.getByTestId('measured');
  await expect(measured).toHaveAttribute('data-engine', 'gpu', { timeout: 90_000 });
  await expect(page.getByTestId('verification')).toHaveAttribute('data-status', 'verified');
  await expect(page.getByTestId('provenance')).toContainText(/software adapter/);
  await expect(page.getByTestId('stage-table')).toContainText('median');

  // The same scenario and seed give identical counts in the browser and on the CPU engine in Node.
  const { scenario } = decodeHash('#T=200&E=12&k=3&seed=5');
  const cfg = layerConfigFromScenario(scenario, 1);
  const ref = runReferenceLayer(cfg, generateLayerTensors(scenario, cfg));
  await expect(measured).toHaveAttribute('data-counts', Array.from(ref.counts).join(','));
  expect(errors).toEqual([]);
});

test('the CPU engine runs, labelled, when chosen', async ({ page }) => {
  await page.goto('/#T=64&E=8&k=2&seed=3&engine=cpu');
  const measured = page.getByTestId('measured');
  await expect(measured).toHaveAttribute('data-engine', 'cpu', { timeout: 60_000 });
  await expect(page.getByTestId('provenance')).toContainText('CPU reference engine');
});
