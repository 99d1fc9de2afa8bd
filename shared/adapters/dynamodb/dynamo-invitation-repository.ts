/** `InvitationRepository` on the core table: `INVITATION#<hash>`/`LINK`; state moves are conditional. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InvitationRepository } from '../../application/ports/invitation-repository.ts';
import { type InvitationLink, InvitationLinkSchema } from '../../domain/invitation.ts';

const key = (hash: string) => ({ pk: `INVITATION#${hash}`, sk: 'LINK' });
const conditionFailed = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoInvitationRepository implements InvitationRepository {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async create(link: InvitationLink): Promise<void> {
    // Kept 60 days after expiry so an old link still gets "expired" rather than "unknown".
    const ttl = Math.floor(new Date(link.expiresAt).getTime() / 1000) + 60 * 86_400;
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...key(link.hash), ...InvitationLinkSchema.parse(link), ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(hash: string): Promise<InvitationLink | undefined> {
    const answer = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key(hash), ConsistentRead: true }),
    );
    return answer.Item ? InvitationLinkSchema.parse(answer.Item) : undefined;
  }

  async use(hash: string, at: string): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key(hash),
          UpdateExpression: 'SET #state = :used, usedAt = :at',
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':used': 'used', ':active': 'active', ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async void(hash: string): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key(hash),
          UpdateExpression: 'SET #state = :voided',
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':voided': 'voided', ':active': 'active' },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }
}
