import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startUrlSync } from './state';
import { App } from './ui/App';
import { startGpuSession } from './ui/gpuSession';
import './ui/styles.css';

startUrlSync();
void startGpuSession();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
