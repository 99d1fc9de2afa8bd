/**
 * `AccountRepository` on the core table. An account is `ACCOUNT#<id>`/`ACCOUNT`, listed through gsi1
 * (`ACCOUNTS`, `<orgId>#<id>`: one partition, accounts are few). Its location claim
 * `LOCATION#<uId>`/`CLAIM` is written in the same transaction, with a condition, so two requests can
 * never add the same location twice, in one organisation or across two.
 */
import { paginateQuery, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AccountRepository, LocationClaim } from '../../application/ports/account-repository.ts';
import { type Account, AccountSchema } from '../../domain/account.ts';
import { ConflictError } from '../../domain/errors.ts';
import { isTransactionCancelled } from './errors.ts';
import { keys } from './keys.ts';
import { DynamoTable } from './table.ts';

const ClaimSchema = z.object({ uId: z.string(), orgId: z.string(), accountId: z.string() });

export class DynamoAccountRepository extends DynamoTable implements AccountRepository {
  #item(account: Account) {
    return {
      ...keys.account(account.id),
      ...AccountSchema.parse(account),
      gsi1pk: 'ACCOUNTS',
      gsi1sk: `${account.orgId}#${account.id}`,
    };
  }

  async create(account: Account): Promise<{ created: true } | { created: false; claim: LocationClaim }> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.putIfAbsent({
              ...keys.locationClaim(account.location.uId),
              uId: account.location.uId,
              orgId: account.orgId,
              accountId: account.id,
            }),
            this.putIfAbsent(this.#item(account)),
          ],
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      const claim = await this.claimOf(account.location.uId);
      if (!claim) throw error;
      return { created: false, claim };
    }
  }

  async get(accountId: string): Promise<Account | undefined> {
    return this.getItem(keys.account(accountId), AccountSchema);
  }

  async #query(prefix: string | undefined): Promise<Account[]> {
    const accounts: Account[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: prefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ACCOUNTS', ...(prefix ? { ':prefix': prefix } : {}) },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) accounts.push(AccountSchema.parse(item));
    return accounts;
  }

  listByOrg(orgId: string): Promise<Account[]> {
    return this.#query(`${orgId}#`);
  }

  listAll(): Promise<Account[]> {
    return this.#query(undefined);
  }

  async claimOf(uId: string): Promise<LocationClaim | undefined> {
    return this.getItem(keys.locationClaim(uId), ClaimSchema);
  }

  async update(account: Account, read: Account): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: this.#item({ ...account, version: read.version + 1 }),
                ConditionExpression:
                  'attribute_exists(pk) AND (version = :expected OR (attribute_not_exists(version) AND :expected = :zero))',
                ExpressionAttributeValues: { ':expected': read.version, ':zero': 0 },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      throw new ConflictError(
        'account.changed',
        'The account changed while this request ran: read it again and retry.',
      );
    }
  }

  async remove(account: Account): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: keys.account(account.id) } },
          {
            Delete: {
              TableName: this.table,
              Key: keys.locationClaim(account.location.uId),
              ConditionExpression: 'attribute_not_exists(pk) OR accountId = :id',
              ExpressionAttributeValues: { ':id': account.id },
            },
          },
        ],
      }),
    );
  }
}
