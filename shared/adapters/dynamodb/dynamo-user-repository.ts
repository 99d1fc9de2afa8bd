/**
 * `UserRepository` on the users table: `ACCOUNT#<id>`/`USER#<userId>`, and one `ACCOUNT#<id>`/
 * `EMAIL#<email>` item per user that claims its e-mail, written in the same transaction, so two
 * requests can never add the same e-mail twice to one account. `ACCOUNT#<id>`/`SUMMARY#USERS` counts
 * the users that are not retired: every write that changes whether a user counts moves it in the same
 * transaction, on the condition that the user is still as read (else it reads again and retries).
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { mapLimit } from '../../application/concurrency.ts';
import type { UserRepository } from '../../application/ports/user-repository.ts';
import { userCountChange } from '../../domain/account-counts.ts';
import { type VppUser, VppUserSchema } from '../../domain/vpp-user.ts';
import { batchGet, queryAll } from './batch.ts';
import { isConditionFailed, isTransactionCancelled } from './errors.ts';
import { accountPartition, keys, sortPrefix } from './keys.ts';
import { DynamoTable, type TransactItem } from './table.ts';

/** DynamoDB's most items in one transaction. */
const TRANSACTION_ITEMS = 100;

export class DynamoUserRepository extends DynamoTable implements UserRepository {
  async listByAccount(accountId: string): Promise<VppUser[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
      ExpressionAttributeValues: { ':pk': accountPartition(accountId), ':user': sortPrefix.users },
    });
    return items.map((item) => VppUserSchema.parse(item));
  }

  async get(accountId: string, userId: string): Promise<VppUser | undefined> {
    return this.getItem(keys.user(accountId, userId), VppUserSchema);
  }

  async getMany(accountId: string, userIds: readonly string[]): Promise<VppUser[]> {
    const items = await batchGet(
      this.db,
      this.table,
      [...new Set(userIds)].map((id) => keys.user(accountId, id)),
    );
    return items.map((item) => VppUserSchema.parse(item));
  }

  async findByEmail(accountId: string, email: string): Promise<VppUser | undefined> {
    const claim = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.userEmail(accountId, email), ConsistentRead: true }),
    );
    const userId = claim.Item?.userId;
    return typeof userId === 'string' ? this.get(accountId, userId) : undefined;
  }

  async addMany(users: readonly VppUser[]): Promise<{ added: VppUser[]; duplicateEmails: string[] }> {
    const added: VppUser[] = [];
    const duplicateEmails: string[] = [];
    // One transaction per user (user + e-mail claim): a taken e-mail fails only that user.
    for (const user of users) {
      if (!user.email) throw new Error('addMany needs users with an e-mail');
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              this.putIfAbsent({ ...keys.userEmail(user.accountId, user.email), userId: user.id }),
              this.putIfAbsent({ ...keys.user(user.accountId, user.id), ...VppUserSchema.parse(user) }),
              ...this.#countChange(user.accountId, userCountChange(undefined, user)),
            ],
          }),
        );
        added.push(user);
      } catch (error) {
        if (!isTransactionCancelled(error)) throw error;
        duplicateEmails.push(user.email);
      }
    }
    return { added, duplicateEmails };
  }

  async countNotRetired(accountId: string): Promise<number> {
    return (await this.getItem(keys.userCounts(accountId), CountsItemSchema))?.users ?? 0;
  }

  async replace(before: VppUser, after: VppUser): Promise<VppUser | undefined> {
    const stored = VppUserSchema.parse({ ...after, version: before.version + 1 });
    const put = {
      TableName: this.table,
      Item: { ...keys.user(after.accountId, after.id), ...stored },
      ConditionExpression: 'version = :seen OR (attribute_not_exists(version) AND :seen = :zero)',
      ExpressionAttributeValues: { ':seen': before.version, ':zero': 0 },
    };
    // The version read is the condition, so the user's count moves from `before` exactly.
    const counted = this.#countChange(after.accountId, userCountChange(before, after));
    try {
      if (counted.length === 0) await this.db.send(new PutCommand(put));
      else await this.db.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...counted] }));
      return stored;
    } catch (error) {
      if (isConditionFailed(error) || isTransactionCancelled(error)) return undefined;
      throw error;
    }
  }

  /** The update of the account's count of users, when it moves. */
  #countChange(accountId: string, change: number) {
    if (change === 0) return [];
    return [
      {
        Update: {
          TableName: this.table,
          Key: keys.userCounts(accountId),
          UpdateExpression: 'ADD #users :change',
          ExpressionAttributeNames: { '#users': 'users' },
          ExpressionAttributeValues: { ':change': change },
        },
      },
    ];
  }

  /**
   * Puts `after` over whatever is stored (`base`: the user as last read, undefined: none) with the
   * `extra` items of its transaction, moving the count by the change from the stored user: on the
   * condition that it is still as read, else it reads it again and retries. A failure of an `extra`
   * item's own condition is thrown.
   */
  /** Writes one user, moving the account's count in the same transaction (see `#putCountedGroup`). */
  async #putCounted(
    base: VppUser | undefined,
    after: VppUser,
    extra: readonly TransactItem[],
  ): Promise<void> {
    await this.#putCountedGroup(after.accountId, [{ base, after, extra }]);
  }

  /**
   * Writes users of one account in one transaction with one move of the account's count (their
   * changes added up), each on the condition that it is as read (`base`: its status, or absent). A
   * user someone changed meanwhile is read again and the group written again.
   */
  async #putCountedGroup(
    accountId: string,
    group: readonly { base: VppUser | undefined; after: VppUser; extra: readonly TransactItem[] }[],
  ): Promise<void> {
    const reads = group.map((g) => g.base);
    for (let round = 0; round < 20; round++) {
      const items: TransactItem[] = [];
      /** Where each user's Put is in the transaction. */
      const at: number[] = [];
      let change = 0;
      group.forEach(({ after, extra }, i) => {
        const read = reads[i];
        at.push(items.length);
        items.push({
          Put: {
            TableName: this.table,
            Item: { ...keys.user(after.accountId, after.id), ...after },
            ...(read
              ? {
                  ConditionExpression: '#status = :status',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':status': read.status },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        });
        items.push(...extra);
        change += userCountChange(read, after);
      });
      items.push(...this.#countChange(accountId, change));
      try {
        const [only] = items;
        if (items.length === 1 && only?.Put) await this.db.send(new PutCommand(only.Put));
        else await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        const changed = isConditionFailed(error)
          ? [0]
          : isTransactionCancelled(error)
            ? at.flatMap((position, i) => (reasons?.[position]?.Code === 'ConditionalCheckFailed' ? [i] : []))
            : [];
        if (changed.length === 0) throw error;
        for (const i of changed) {
          const after = group[i]?.after as VppUser;
          reads[i] = await this.get(after.accountId, after.id);
        }
      }
    }
    throw new Error('The users kept changing while they were written; try again.');
  }

  async saveFromApple(users: readonly VppUser[]): Promise<void> {
    // An e-mail already claimed by another user keeps its claim (Apple's user keeps the address on
    // its record only); of two new users with one e-mail, the first claims it.
    const claimKeys = new Map<string, { pk: string; sk: string }>();
    for (const user of users)
      if (user.email) {
        const k = keys.userEmail(user.accountId, user.email);
        claimKeys.set(`${k.pk}|${k.sk}`, k);
      }
    const claimedBy = new Map<string, unknown>();
    for (const item of await batchGet(this.db, this.table, [...claimKeys.values()]))
      claimedBy.set(`${item.pk}|${item.sk}`, item.userId);
    const claims = (user: VppUser) => {
      if (!user.email) return false;
      const k = keys.userEmail(user.accountId, user.email);
      const owner = claimedBy.get(`${k.pk}|${k.sk}`);
      if (owner !== undefined && owner !== user.id) return false;
      claimedBy.set(`${k.pk}|${k.sk}`, user.id);
      return true;
    };
    // What is stored of them now: each write moves the count from there.
    const stored = new Map<string, VppUser>();
    for (const accountId of new Set(users.map((u) => u.accountId)))
      for (const found of await this.getMany(
        accountId,
        users.filter((u) => u.accountId === accountId).map((u) => u.id),
      ))
        stored.set(`${accountId}|${found.id}`, found);
    const writes = users.map((user) => ({
      base: stored.get(`${user.accountId}|${user.id}`),
      after: VppUserSchema.parse({ ...user, version: user.version + 1 }),
      extra:
        user.email !== undefined && claims(user)
          ? [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...keys.userEmail(user.accountId, user.email), userId: user.id },
                },
              },
            ]
          : [],
    }));
    // Groups of one account whose items (a user, its claim) and the count's move fit one transaction:
    // a page of Apple's users costs one write per item, not a move of the count for each.
    const groups: (typeof writes)[] = [];
    for (const accountId of new Set(users.map((u) => u.accountId))) {
      let group: typeof writes = [];
      let items = 1;
      for (const w of writes.filter((x) => x.after.accountId === accountId)) {
        if (items + 1 + w.extra.length > TRANSACTION_ITEMS) {
          groups.push(group);
          group = [];
          items = 1;
        }
        group.push(w);
        items += 1 + w.extra.length;
      }
      if (group.length > 0) groups.push(group);
    }
    await mapLimit(groups, 4, (group) => this.#putCountedGroup(group[0]?.after.accountId ?? '', group));
  }

  async putMany(changes: readonly { before: VppUser; after: VppUser }[]): Promise<void> {
    for (const { before, after } of changes) {
      const emailChanged = (before.email ?? '') !== (after.email ?? '');
      await this.#putCounted(
        before,
        VppUserSchema.parse({ ...after, version: before.version + 1 }),
        emailChanged
          ? [
              ...(after.email
                ? [
                    {
                      Put: {
                        TableName: this.table,
                        Item: { ...keys.userEmail(after.accountId, after.email), userId: after.id },
                        ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
                        ExpressionAttributeValues: { ':id': after.id },
                      },
                    },
                  ]
                : []),
              ...(before.email
                ? [
                    {
                      Delete: {
                        TableName: this.table,
                        Key: keys.userEmail(before.accountId, before.email),
                        ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
                        ExpressionAttributeValues: { ':id': before.id },
                      },
                    },
                  ]
                : []),
            ]
          : [],
      );
    }
  }
}

const CountsItemSchema = z.object({ users: z.number() });
