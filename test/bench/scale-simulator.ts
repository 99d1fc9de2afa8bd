/**
 * The Apple simulator in a process of its own for the `scale` bench, so that the bench process's heap
 * is the sync's alone. It makes the location itself from a small spec (a million assignments would be
 * a very large seed to send): env SCALE_ASSETS, SCALE_USERS, SCALE_ASSIGNMENTS. Prints one JSON line
 * `{"ready": true, "url", "baseUrl", "token"}` once seeded; the bench drives it by its control API
 * (`/_sim/calls`, `/_sim/requests`) and ends it with SIGTERM.
 */
import { startAppleSimulator } from '../../functions/local/apple-simulator/index.ts';
import { scaleSeed } from './scale-data.ts';

const count = (name: string): number => {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} is not a count: ${process.env[name]}`);
  return value;
};

const sim = await startAppleSimulator({ quiet: true, eventDelayMs: 10, allowHttpNotifications: true });
const seeded = sim.seed(
  scaleSeed({
    assets: count('SCALE_ASSETS'),
    users: count('SCALE_USERS'),
    assignments: count('SCALE_ASSIGNMENTS'),
  }),
);
const token = seeded.locations[0]?.tokens[0] ?? '';
process.stdout.write(`${JSON.stringify({ ready: true, url: sim.url, baseUrl: sim.baseUrl, token })}\n`);

const stop = () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
