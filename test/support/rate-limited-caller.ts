/**
 * A separate process that calls Apple through the service's limiter (DynamoDB slots), for the shared
 * rate-limit test and the bench. Env: RATE_DYNAMO_ENDPOINT, RATE_TABLE (core), RATE_BASE_URL,
 * RATE_TOKENS (JSON array of token texts; the first is this process's own), RATE_CALLS (per token),
 * RATE_PARALLEL (concurrent calls per token). It warms up with one call on its own token (a cold first
 * compare-and-swap bunched requests), prints `warm`, waits for `go` on stdin, then prints `done`.
 */
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppleVppHttpClient } from '../../shared/adapters/apple-vpp/apple-vpp-http-client.ts';
import { DynamoRateSlotStore } from '../../shared/adapters/dynamodb/dynamo-rate-slot-store.ts';
import { Secret } from '../../shared/domain/secret.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: env('RATE_DYNAMO_ENDPOINT'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
);
const client = new AppleVppHttpClient({
  baseUrl: env('RATE_BASE_URL'),
  rateSlots: new DynamoRateSlotStore(db, env('RATE_TABLE')),
});
const tokens = (JSON.parse(env('RATE_TOKENS')) as string[]).map((t) => new Secret(t));
const calls = Number(env('RATE_CALLS'));
const parallel = Number(process.env.RATE_PARALLEL ?? '2');

const [own] = tokens;
if (!own) throw new Error('RATE_TOKENS is empty');
await client.getClientConfig(own);
process.stdout.write('warm\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

await Promise.all(
  tokens.flatMap((token) => {
    let left = calls;
    return Array.from({ length: parallel }, async () => {
      while (left > 0) {
        left--;
        await client.getClientConfig(token);
      }
    });
  }),
);
process.stdout.write('done\n');
db.destroy();
