/**
 * The DynamoDB tables: one definition used by the CDK stack and by the local runtime (which creates the
 * same tables in DynamoDB Local), so keys and indexes cannot differ between the two.
 *
 * Item layout (keys are strings; `#` separates parts):
 * - core: accounts `ACCOUNT#<id>`/`ACCOUNT` (gsi1 `ORG#<org>#ACCOUNTS`), location claims
 *   `LOCATION#<uId>`/`CLAIM`, sync records `ACCOUNT#<id>`/`SYNC`, devices `ORG#<org>#DEVICES`/`<serial>`,
 *   jobs `JOB#<id>`/`JOB` with failures `JOB#<id>`/`FAILURE#<n>` (listed newest first through gsi1
 *   `ORG#<org>#JOBS` and, for a job about an account, gsi2 `ACCOUNT#<id>#JOBS`), audit `ORG#<org>#AUDIT`/`<time>#<id>`,
 *   idempotency keys, invitation links `INVITATION#<hash>`, seen notifications (with `ttl`).
 * - assets: `ACCOUNT#<id>`/`ASSET#<adamId>#<pricingParam>` and deployments `.../DEPLOYMENT#...`
 *   (gsi1 `DEPLOYMENTS` lists every deployment for the reconciler).
 * - users: `ACCOUNT#<id>`/`USER#<userId>`, unique e-mails `ACCOUNT#<id>`/`EMAIL#<email>`.
 * - assignments: `ACCOUNT#<id>`/`A#<adamId>#<pp>#D#<serial>` or `...#U#<userId>`
 *   (gsi1 by subject across assets and accounts; gsi2, sparse, by the Apple event in flight; gsi3,
 *   sparse, every record in flight by account and the time it last moved).
 * Everything of an account in the last three tables is under `ACCOUNT#<id>`: a removed account's data
 * is deleted a partition at a time.
 * - idempotency: Powertools idempotency records of the queue workers.
 */
import type { EnvKey } from './env-keys.ts';

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  readonly id: 'core' | 'assets' | 'users' | 'assignments' | 'idempotency';
  readonly envKey: EnvKey;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexDefinition[];
  readonly ttlAttribute?: string;
}

const gsi = (n: 1 | 2 | 3): IndexDefinition => ({
  name: `gsi${n}`,
  partitionKey: `gsi${n}pk`,
  sortKey: `gsi${n}sk`,
});

export const TABLES: readonly TableDefinition[] = [
  {
    id: 'core',
    envKey: 'tableCore',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1), gsi(2)],
    ttlAttribute: 'ttl',
  },
  { id: 'assets', envKey: 'tableAssets', partitionKey: 'pk', sortKey: 'sk', indexes: [gsi(1)] },
  { id: 'users', envKey: 'tableUsers', partitionKey: 'pk', sortKey: 'sk', indexes: [gsi(1)] },
  {
    id: 'assignments',
    envKey: 'tableAssignments',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1), gsi(2), gsi(3)],
  },
  {
    id: 'idempotency',
    envKey: 'tableIdempotency',
    partitionKey: 'id',
    indexes: [],
    ttlAttribute: 'expiration',
  },
];

export type TableId = TableDefinition['id'];
