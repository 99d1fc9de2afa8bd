/** `Debouncer` on the core table: `DEBOUNCE#<key>`/`HOLD`, taken with a condition on its expiry. */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Debouncer } from '../../application/ports/debouncer.ts';
import { isConditionFailed } from './errors.ts';
import { keys } from './keys.ts';
import { ClockedDynamoTable } from './table.ts';

export class DynamoDebouncer extends ClockedDynamoTable implements Debouncer {
  async take(k: string, windowSeconds: number): Promise<boolean> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          // Held a little longer than the window: the delayed run releases it.
          Item: { ...keys.debounce(k), ttl: now + windowSeconds * 4 + 60 },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async release(k: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.debounce(k) }));
  }
}
