/** The runtime configuration's rules for the settings that have one of their own. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/config.ts';

describe('loadConfig: workerConcurrency', () => {
  it('is 20 unless WORKER_CONCURRENCY says otherwise', () => {
    expect(loadConfig({}, ['workerConcurrency'])).toEqual({ workerConcurrency: 20 });
    expect(loadConfig({ WORKER_CONCURRENCY: '' }, ['workerConcurrency'])).toEqual({ workerConcurrency: 20 });
    expect(loadConfig({ WORKER_CONCURRENCY: '2' }, ['workerConcurrency'])).toEqual({ workerConcurrency: 2 });
    expect(loadConfig({ WORKER_CONCURRENCY: '1000' }, ['workerConcurrency'])).toEqual({
      workerConcurrency: 1000,
    });
  });

  it.each(['1', '1001', '2.5', 'many'])('refuses %s, naming WORKER_CONCURRENCY', (value) => {
    const load = () => loadConfig({ WORKER_CONCURRENCY: value }, ['workerConcurrency']);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WORKER_CONCURRENCY is invalid/);
  });
});
