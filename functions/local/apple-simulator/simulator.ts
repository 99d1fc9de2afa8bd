/**
 * `startAppleSimulator`: a real HTTP server on 127.0.0.1 that behaves like Apple's App and Book
 * Management API v2 (see `apple-vpp-api.md`), for contract tests, end-to-end tests (in-process or as a
 * separate process via `main.ts`) and local mode.
 *
 * Lifecycle: load the state (when `stateDir` is set), seed it if empty, listen, resume pending events
 * and notification deliveries. `close()` stops timers, aborts outbound requests, closes every
 * connection and saves the state, leaving no handle behind.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  acceptInvitationOf,
  claimByOtherMdm,
  expireToken,
  externalAssign,
  externalUnassign,
  purchase,
  refund,
  revokeToken,
  transfer,
} from './apple-actions.ts';
import { applySeed } from './apply-seed.ts';
import type { ResolvedOptions, SimulatorContext } from './context.ts';
import { EventEngine } from './events.ts';
import { FaultController } from './faults.ts';
import { Notifier } from './notifier.ts';
import { RateLimiter, RequestLog } from './rate-limit.ts';
import { createRng, type Rng } from './rng.ts';
import { DEMO_SEED } from './seed.ts';
import { requestListener } from './server.ts';
import { buildSnapshot } from './snapshot.ts';
import type { SimState } from './state.ts';
import { StateStore } from './state-store.ts';
import { endDuePeriods, runSubscriptionAction } from './subscriptions.ts';
import { issueToken } from './tokens.ts';
import { type AppleSimulator, FaultConfigSchema, SIMULATOR_LIMITS, type SimulatorOptions } from './types.ts';

/** The shared runtime of one simulator; the collaborators get it (and each other) through it. */
class SimulatorRuntime implements SimulatorContext {
  readonly options: ResolvedOptions;
  readonly state: SimState;
  url = '';
  readonly rng: Rng;
  readonly faults: FaultController;
  readonly notifier: Notifier;
  readonly events: EventEngine;
  readonly rateLimiter = new RateLimiter();
  readonly calls = new Map<string, number>();
  readonly requests = new RequestLog();
  readonly #closer = new AbortController();
  readonly closing = this.#closer.signal;
  readonly #clock: () => Date;
  readonly #store: StateStore;
  readonly #quiet: boolean;

  constructor(
    options: ResolvedOptions,
    store: StateStore,
    clock: () => Date,
    randomSeed: number | undefined,
  ) {
    this.options = options;
    this.#store = store;
    this.#clock = clock;
    this.#quiet = options.quiet;
    this.state = store.load();
    this.rng = createRng(randomSeed);
    this.faults = new FaultController(this.rng);
    this.notifier = new Notifier(this);
    this.events = new EventEngine(this);
  }

  now(): Date {
    return this.#clock();
  }

  changed(): void {
    this.#store.schedule();
  }

  log(message: string): void {
    if (!this.#quiet) process.stderr.write(`[apple-sim] ${message}\n`);
  }

  /** Ends every wait in progress; the caller then stops timers and closes the server. */
  abort(): void {
    this.#closer.abort();
  }
}

function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const limits: Record<string, number> = { ...SIMULATOR_LIMITS };
  for (const [name, value] of Object.entries(options.limits ?? {}))
    if (value !== undefined) limits[name] = value;
  return {
    port: options.port ?? 0,
    stateDir: options.stateDir,
    allowHttpNotifications: options.allowHttpNotifications ?? false,
    pageSize: Math.max(1, options.pageSize ?? 1000),
    eventDelayMs: Math.max(0, options.eventDelayMs ?? 1000),
    notificationRetryMs: Math.max(0, options.notificationRetryMs ?? 1000),
    limits,
    enforceRateLimit: options.enforceRateLimit ?? true,
    unknownTokenError: options.unknownTokenError ?? 9622,
    quiet: options.quiet ?? false,
  };
}

/**
 * Starts a simulator and resolves once it listens. Seeds it when the (loaded) state is empty and a
 * seed is given. Close it with `close()`.
 */
export async function startAppleSimulator(options: SimulatorOptions = {}): Promise<AppleSimulator> {
  const resolved = resolveOptions(options);
  const quietLog = (message: string): void => {
    if (!resolved.quiet) process.stderr.write(`[apple-sim] ${message}\n`);
  };
  const store = new StateStore(resolved.stateDir, quietLog);
  const ctx = new SimulatorRuntime(resolved, store, options.now ?? (() => new Date()), options.randomSeed);
  if (ctx.state.organizations.size === 0 && options.seed !== undefined) {
    applySeed(ctx, options.seed === 'demo' ? DEMO_SEED : options.seed);
  }

  let closing: Promise<void> | undefined;
  const sim: AppleSimulator = {
    get url() {
      return ctx.url;
    },
    get baseUrl() {
      return `${ctx.url}/mdm/v2`;
    },
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        ctx.abort();
        ctx.events.close();
        await ctx.notifier.close();
        server.closeAllConnections();
        await closed;
        await store.save();
      })();
      return closing;
    },
    seed: (input) => applySeed(ctx, input),
    issueToken: (locationId, opts) => issueToken(ctx, locationId, opts?.expiresAt),
    setFaults: (faults) => ctx.faults.set(FaultConfigSchema.parse(faults)),
    clearFaults: () => ctx.faults.clear(),
    snapshot: () => buildSnapshot(ctx),
    calls: () => Object.fromEntries(ctx.calls),
    resetCalls: () => ctx.calls.clear(),
    requests: () => ctx.requests.entries(),
    resetRequests: () => ctx.requests.clear(),
    settle: async () => {
      for (const location of ctx.state.locations.values()) endDuePeriods(ctx, location);
      ctx.events.processAll();
      await ctx.notifier.flush();
    },
    purchase: (locationId, asset, count, details) => purchase(ctx, locationId, asset, count, details),
    refund: (locationId, asset, count) => refund(ctx, locationId, asset, count),
    transfer: (from, to, asset, count) => transfer(ctx, from, to, asset, count),
    externalAssign: (locationId, asset, target) => externalAssign(ctx, locationId, asset, target),
    externalUnassign: (locationId, asset, target) => externalUnassign(ctx, locationId, asset, target),
    acceptInvitation: (locationId, clientUserId, appleAccount) =>
      acceptInvitationOf(ctx, locationId, clientUserId, appleAccount),
    expireToken: (content) => expireToken(ctx, content),
    revokeToken: (content) => revokeToken(ctx, content),
    claimByOtherMdm: (locationId, mdmInfo, notificationUrl) =>
      claimByOtherMdm(ctx, locationId, mdmInfo, notificationUrl),
    subscriptionAction: (locationId, action) => runSubscriptionAction(ctx, locationId, action),
  };

  const server = createServer(requestListener(ctx, sim));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Port taken, for instance: write what seeding produced and leave no timer behind.
    await store.save();
    throw error;
  }
  ctx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.events.resume();
  ctx.notifier.resume();
  // The first save records the seed (and tokens) even if nothing else happens.
  ctx.changed();
  return sim;
}
