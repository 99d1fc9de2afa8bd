/**
 * `AccountRepository` on the core table. An account is `ACCOUNT#<id>`/`ACCOUNT`, listed through gsi1
 * (`ACCOUNTS`, `<orgId>#<id>`: one partition, accounts are few). Its location claim
 * `LOCATION#<uId>`/`CLAIM` is written in the same transaction, with a condition, so two requests can
 * never add the same location twice, in one organisation or across two.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AccountRepository, LocationClaim } from '../../application/ports/account-repository.ts';
import { type Account, AccountSchema } from '../../domain/account.ts';
import { ConflictError } from '../../domain/errors.ts';

const accountKey = (id: string) => ({ pk: `ACCOUNT#${id}`, sk: 'ACCOUNT' });
const claimKey = (uId: string) => ({ pk: `LOCATION#${uId}`, sk: 'CLAIM' });
const ClaimSchema = z.object({ uId: z.string(), orgId: z.string(), accountId: z.string() });

const isCancelled = (error: unknown) => (error as { name?: string }).name === 'TransactionCanceledException';

export class DynamoAccountRepository implements AccountRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  #item(account: Account) {
    return {
      ...accountKey(account.id),
      ...AccountSchema.parse(account),
      gsi1pk: 'ACCOUNTS',
      gsi1sk: `${account.orgId}#${account.id}`,
    };
  }

  async create(account: Account): Promise<{ created: true } | { created: false; claim: LocationClaim }> {
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table,
                Item: {
                  ...claimKey(account.location.uId),
                  uId: account.location.uId,
                  orgId: account.orgId,
                  accountId: account.id,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: this.#item(account),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isCancelled(error)) throw error;
      const claim = await this.claimOf(account.location.uId);
      if (!claim) throw error;
      return { created: false, claim };
    }
  }

  async get(accountId: string): Promise<Account | undefined> {
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: accountKey(accountId), ConsistentRead: true }),
    );
    return answer.Item ? AccountSchema.parse(answer.Item) : undefined;
  }

  async #query(prefix: string | undefined): Promise<Account[]> {
    const accounts: Account[] = [];
    const pages = paginateQuery(
      { client: this.#db },
      {
        TableName: this.#table,
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
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: claimKey(uId), ConsistentRead: true }),
    );
    return answer.Item ? ClaimSchema.parse(answer.Item) : undefined;
  }

  async update(account: Account, read: Account): Promise<void> {
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table,
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
      if (!isCancelled(error)) throw error;
      throw new ConflictError(
        'account.changed',
        'The account changed while this request ran: read it again and retry.',
      );
    }
  }

  async remove(account: Account): Promise<void> {
    await this.#db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.#table, Key: accountKey(account.id) } },
          {
            Delete: {
              TableName: this.#table,
              Key: claimKey(account.location.uId),
              ConditionExpression: 'attribute_not_exists(pk) OR accountId = :id',
              ExpressionAttributeValues: { ':id': account.id },
            },
          },
        ],
      }),
    );
  }
}
