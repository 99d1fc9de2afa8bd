/** `InvitationRepository` on the core table: `INVITATION#<hash>`/`LINK`; state moves are conditional. */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InvitationRepository } from '../../application/ports/invitation-repository.ts';
import { type InvitationLink, InvitationLinkSchema } from '../../domain/invitation.ts';
import { isConditionFailed } from './errors.ts';
import { keys } from './keys.ts';
import { DynamoTable } from './table.ts';

export class DynamoInvitationRepository extends DynamoTable implements InvitationRepository {
  async create(link: InvitationLink): Promise<void> {
    // Kept 60 days after expiry so an old link still gets "expired" rather than "unknown".
    const ttl = Math.floor(new Date(link.expiresAt).getTime() / 1000) + 60 * 86_400;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.invitation(link.hash), ...InvitationLinkSchema.parse(link), ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(hash: string): Promise<InvitationLink | undefined> {
    return this.getItem(keys.invitation(hash), InvitationLinkSchema);
  }

  async use(hash: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.invitation(hash),
          UpdateExpression: 'SET #state = :used, usedAt = :at',
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':used': 'used', ':active': 'active', ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async void(hash: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.invitation(hash),
          UpdateExpression: 'SET #state = :voided',
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':voided': 'voided', ':active': 'active' },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
