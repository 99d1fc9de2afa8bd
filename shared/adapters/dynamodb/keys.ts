/**
 * The key of every item the repositories write, in one place. An account's data sits under its
 * partition `ACCOUNT#<id>` in the assets, users and assignments tables (its sync state in the core
 * table), which is what the account purge relies on.
 */
import { type SubjectType, subjectKey } from '../../domain/assignment.ts';

export const accountPartition = (accountId: string): string => `ACCOUNT#${accountId}`;
export const devicesPartition = (orgId: string): string => `ORG#${orgId}#DEVICES`;
export const jobPartition = (jobId: string): string => `JOB#${jobId}`;
/** The index partitions that list jobs newest first: an organisation's (gsi1), an account's (gsi2). */
export const orgJobsIndex = (orgId: string): string => `ORG#${orgId}#JOBS`;
export const accountJobsIndex = (accountId: string): string => `ACCOUNT#${accountId}#JOBS`;
/** The index partition (gsi2, sparse) of an account's batches not closed yet, by asset then age. */
export const openBatchesIndex = (accountId: string): string => `ACCOUNT#${accountId}#OPEN_BATCHES`;
export const openBatchPosition = (batch: {
  asset: { adamId: string; pricingParam: string };
  createdAt: string;
  jobId: string;
  index: number;
}): string =>
  `${batch.asset.adamId}#${batch.asset.pricingParam}#${batch.createdAt}#${batch.jobId}#${String(batch.index).padStart(4, '0')}`;
/** A job's place in both lists (and a list's cursor): newest first by creation, then id. */
export const jobPosition = (job: { createdAt: string; id: string }): string => `${job.createdAt}#${job.id}`;
export const auditPartition = (orgId: string): string => `ORG#${orgId}#AUDIT`;
/** An organisation's webhook subscriptions (core table): one partition, listed by a query. */
export const webhooksPartition = (orgId: string): string => `ORG#${orgId}#WEBHOOKS`;
/** A subscription's delivery log (core table): one partition, listed by a query. */
export const webhookDeliveriesPartition = (orgId: string, webhookId: string): string =>
  `ORG#${orgId}#WEBHOOK#${webhookId}#DELIVERIES`;

interface AssignmentRef {
  readonly adamId: string;
  readonly pricingParam: string;
  readonly subjectType: SubjectType;
  readonly subjectId: string;
}

/** The sort keys of sync checkpoints begin with this (bookkeeping, apart from the data). */
export const SYNC_CHECKPOINT_PREFIX = 'CHECKPOINT#';

export const keys = {
  account: (accountId: string) => ({ pk: accountPartition(accountId), sk: 'ACCOUNT' }),
  locationClaim: (uId: string) => ({ pk: `LOCATION#${uId}`, sk: 'CLAIM' }),
  syncState: (accountId: string) => ({ pk: accountPartition(accountId), sk: 'SYNC' }),
  /** One page's checkpoint of a sync run (core table); `seq` padded so the run's pages sort in order. */
  syncCheckpoint: (accountId: string, jobId: string, seq: number) => ({
    pk: accountPartition(accountId),
    sk: `${SYNC_CHECKPOINT_PREFIX}${jobId}#${String(seq).padStart(8, '0')}`,
  }),
  asset: (accountId: string, adamId: string, pricingParam: string) => ({
    pk: accountPartition(accountId),
    sk: `ASSET#${adamId}#${pricingParam}`,
  }),
  /** What the account's assets add up to (assets table), moved in the same write as each asset. */
  assetTotals: (accountId: string) => ({ pk: accountPartition(accountId), sk: 'SUMMARY#ASSETS' }),
  /** How many of the account's users count (users table), moved in the same write as each user. */
  userCounts: (accountId: string) => ({ pk: accountPartition(accountId), sk: 'SUMMARY#USERS' }),
  deployment: (accountId: string, adamId: string, pricingParam: string) => ({
    pk: accountPartition(accountId),
    sk: `DEPLOYMENT#${adamId}#${pricingParam}`,
  }),
  assignment: (accountId: string, a: AssignmentRef) => ({
    pk: accountPartition(accountId),
    sk: `A#${a.adamId}#${a.pricingParam}#${subjectKey(a)}`,
  }),
  user: (accountId: string, userId: string) => ({ pk: accountPartition(accountId), sk: `USER#${userId}` }),
  /** The claim that makes an e-mail unique in an account (in lower case). */
  userEmail: (accountId: string, email: string) => ({
    pk: accountPartition(accountId),
    sk: `EMAIL#${email.toLowerCase()}`,
  }),
  device: (orgId: string, serialNumber: string) => ({ pk: devicesPartition(orgId), sk: serialNumber }),
  invitation: (hash: string) => ({ pk: `INVITATION#${hash}`, sk: 'LINK' }),
  job: (jobId: string) => ({ pk: jobPartition(jobId), sk: 'JOB' }),
  jobFailure: (jobId: string, subject: string) => ({ pk: jobPartition(jobId), sk: `FAILURE#${subject}` }),
  jobBatch: (jobId: string, index: number) => ({
    pk: jobPartition(jobId),
    sk: `${sortPrefix.jobBatches}${String(index).padStart(4, '0')}`,
  }),
  debounce: (key: string) => ({ pk: `DEBOUNCE#${key}`, sk: 'HOLD' }),
  rateSlot: (tokenKey: string) => ({ pk: `RATE#${tokenKey}`, sk: 'SLOT' }),
  notification: (accountId: string, notificationId: string) => ({
    pk: `NOTIFICATION#${accountId}#${notificationId}`,
    sk: 'SEEN',
  }),
  auditEntry: (orgId: string, at: string, id: string) => ({ pk: auditPartition(orgId), sk: `${at}#${id}` }),
  webhook: (orgId: string, id: string) => ({ pk: webhooksPartition(orgId), sk: `WEBHOOK#${id}` }),
  /** A redemption code (assets table), sealed. */
  redemptionCode: (accountId: string, codeId: string) => ({
    pk: accountPartition(accountId),
    sk: `${sortPrefix.redemptionCodes}${codeId}`,
  }),
  /** The claim that makes a code (by its HMAC) unique in an account. */
  redemptionCodeLookup: (accountId: string, lookup: string) => ({
    pk: accountPartition(accountId),
    sk: `CODELOOKUP#${lookup}`,
  }),
  webhookDelivery: (orgId: string, webhookId: string, id: string) => ({
    pk: webhookDeliveriesPartition(orgId, webhookId),
    sk: `DELIVERY#${id}`,
  }),
};

/** The sort-key prefixes that the queries of one partition read. */
export const sortPrefix = {
  assets: 'ASSET#',
  assetsOf: (adamId: string) => `ASSET#${adamId}#`,
  assignmentsOf: (adamId: string, pricingParam: string) => `A#${adamId}#${pricingParam}#`,
  /** An asset's records of one subject type, in subject order. */
  assignmentsOfType: (adamId: string, pricingParam: string, subjectType: SubjectType) =>
    `A#${adamId}#${pricingParam}#${subjectKey({ subjectType, subjectId: '' })}`,
  users: 'USER#',
  jobFailures: 'FAILURE#',
  webhooks: 'WEBHOOK#',
  webhookDeliveries: 'DELIVERY#',
  jobBatches: 'BATCH#',
  redemptionCodes: 'CODE#',
};
