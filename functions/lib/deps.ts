/**
 * The dependencies of this container, built once on first use. Lambda builds them from the
 * environment (shared/composition/aws.ts); the local runtime and handler tests provide their own.
 */
import type { Deps } from '../../shared/composition/deps.ts';
import { appleObserver } from './apple-observer.ts';
import { tracer } from './powertools.ts';

let provided: Deps | undefined;
let built: Promise<Deps> | undefined;

/** Used by the local runtime and tests: every handler of this process uses these deps. */
export function provideDeps(deps: Deps): void {
  provided = deps;
}

export function getDeps(): Promise<Deps> {
  if (provided) return Promise.resolve(provided);
  built ??= import('../../shared/composition/aws.ts').then((m) =>
    m.buildAwsDeps(process.env, (client) => tracer.captureAWSv3Client(client), appleObserver),
  );
  return built;
}
