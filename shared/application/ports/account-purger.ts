/**
 * Deletes what the service kept of a removed account: its assets and deployments, its users and their
 * e-mail claims, and its licence records. Apple's side is never touched (SPEC §4: they stay at Apple).
 */
export interface AccountPurger {
  /** Deletes up to `budget` items of the account; `done` once nothing of it is left. */
  purge(accountId: string, budget: number): Promise<{ removed: number; done: boolean }>;
}
