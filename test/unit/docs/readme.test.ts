/**
 * The README stays true for a fresh clone: every relative link names a file of the repository, and
 * every request body it shows (`<!-- body: <routeId> -->` before a JSON block) is one its route takes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../shared/api/index.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('the README', () => {
  for (const file of ['README.md', 'CONTRIBUTING.md']) {
    it(`${file} links only to what the repository has`, () => {
      const text = readFileSync(resolve(ROOT, file), 'utf8');
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1] ?? '')
        .filter((t) => !/^(https?:|mailto:|#)/.test(t));
      const missing = targets.filter(
        (t) => !existsSync(resolve(dirname(resolve(ROOT, file)), t.split('#')[0] ?? '')),
      );
      expect(targets.length).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    });
  }

  it('shows request bodies that their routes take', () => {
    const text = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const blocks = [...text.matchAll(/<!-- body: (\w+) -->\s*```json\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const [, id, json] of blocks) {
      const route = ROUTES.find((r) => r.id === id);
      expect(route?.body, `a route ${id} with a body`).toBeDefined();
      const parsed = route?.body?.safeParse(JSON.parse(json ?? ''));
      expect(parsed?.success, `${id}: ${parsed?.error?.message}`).toBe(true);
    }
  });
});
