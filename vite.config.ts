import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// WGSL files are imported as strings (`?raw`), so the same shader text runs in the browser, Node tests and the CLI.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: { target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
  server: { port: 5173 },
  preview: { port: 4173, strictPort: true },
});
