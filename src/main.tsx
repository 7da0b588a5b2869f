import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startAutoRun, startGpuSession, startUrlSync } from './state';
import { App } from './ui/App';
import './ui/styles.css';

startUrlSync();
void startGpuSession();
startAutoRun();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
