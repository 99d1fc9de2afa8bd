/**
 * The console's build: Preact with Vite's own esbuild JSX transform (jsxImportSource from the
 * console's tsconfig), static files with hashed names, no inline script (the service's CSP allows
 * scripts from its own origin only).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    emptyOutDir: true,
    // Vite inlines small assets as data: URLs, which the CSP allows for images only; keep files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
