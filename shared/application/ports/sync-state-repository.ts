/**
 * The account's own sync record: where the last incremental reads stopped (Apple's `versionId`s),
 * when the last full pass ran, and the holdings it found. A sync with nothing new writes only this.
 * (The account's `counts` of assets, licences and users are the repositories' summaries.)
 *
 * A sync in progress also leaves a checkpoint after each page it read (`saveCheckpoint`): where it
 * is, what it has counted, and the keys that page showed (a full pass finds removals from them). A
 * sync that stopped — its worker died or ran out of time — continues from its run's last checkpoint.
 */
import * as z from 'zod';
import { AssetKeySchema } from './vpp-schemas.ts';

export interface SyncCounts {
  /** The holdings Apple listed at the last sync (what removing the account leaves at Apple). */
  readonly assignments: number;
}

export interface SyncState {
  readonly accountId: string;
  readonly usersVersionId?: string;
  readonly assignmentsVersionId?: string;
  readonly lastSyncAt?: string;
  readonly lastFullSyncAt?: string;
  readonly lastJobId?: string;
  readonly counts: SyncCounts;
}

export const EMPTY_COUNTS: SyncCounts = { assignments: 0 };

/** One versioned page walk of Apple's (users or assignments): from `since`, or everything when full. */
const WalkSchema = z.object({
  /** Everything is read (no `since`, a full pass, or Apple no longer knew the version). */
  full: z.boolean(),
  since: z.string().optional(),
  /** The page to read next. */
  nextPage: z.number().int().min(0),
  /** The first page's version: the `sinceVersionId` of the next incremental read. */
  versionId: z.string().optional(),
  /** A later page had another version than the first: Apple's data changed during the walk. */
  unstable: z.boolean(),
});

const PerAsset = z.record(z.string(), z.number());

/** Where a sync run is and what it has counted so far (JSON, in each checkpoint). */
export const SyncProgressSchema = z.object({
  /** The sync's time (every record it writes carries it). */
  stamp: z.string(),
  /** The sync was asked to be full (or was due for its weekly full pass). */
  full: z.boolean(),
  phase: z.enum(['users', 'assets', 'assignments', 'removals', 'finish']),
  users: WalkSchema.extend({ added: z.number(), updated: z.number(), statusMoved: z.boolean() }),
  assets: z
    .object({
      added: z.number(),
      updated: z.number(),
      removed: z.number(),
      countsInconsistent: z.array(AssetKeySchema),
      metadataLookupFailed: z.boolean(),
    })
    .optional(),
  assignments: WalkSchema.extend({
    found: z.number(),
    inFlightLeftAlone: z.number(),
    /** How each asset's holders moved with the writes so far (asset key → change). */
    moved: PerAsset,
  }).optional(),
  removals: z
    .object({
      /** Where the walk of our records continues (none: at the start). */
      cursor: z.string().optional(),
      gone: z.number(),
      /** Records holding a licence, counted so far. */
      holding: z.number(),
      /** Each asset's records Apple counts, counted so far. */
      counted: PerAsset,
    })
    .optional(),
});
export type SyncProgress = z.output<typeof SyncProgressSchema>;

export interface SyncCheckpoint {
  readonly accountId: string;
  /** The sync run (its job): a continuation carries it. */
  readonly jobId: string;
  /** 1, 2, …: one per page read. */
  readonly seq: number;
  readonly progress: SyncProgress;
  /** The 64-bit key hashes the page showed (8 bytes each), where the walk keeps them. */
  readonly keys?: Uint8Array | undefined;
}

export interface SyncStateRepository {
  get(accountId: string): Promise<SyncState | undefined>;
  put(state: SyncState): Promise<void>;
  /** Removes the sync record and every checkpoint of the account. */
  remove(accountId: string): Promise<void>;
  /**
   * Saves a run's checkpoint `seq`; false when that run already has one under `seq` (another
   * delivery of the same run got there first, and this one must stop). Checkpoints lapse after two
   * days.
   */
  saveCheckpoint(checkpoint: SyncCheckpoint): Promise<boolean>;
  /** A run's checkpoints, in order (none: it has not read a page yet). */
  checkpoints(accountId: string, jobId: string): AsyncIterable<SyncCheckpoint>;
}
