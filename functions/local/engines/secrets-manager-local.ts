/**
 * A Secrets Manager stand-in for local mode (no emulator exists on npm): the subset of the JSON 1.1
 * protocol the service uses (CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret,
 * DeleteSecret), so the real SDK client and the real `SecretsManagerSecretStore` run unchanged. Values
 * live in one file readable only by its owner.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';

interface StoredSecret {
  readonly arn: string;
  value: string;
  versionId: string;
  readonly createdAt: number;
}

export interface SecretsManagerLocal {
  readonly endpoint: string;
  /** Secret names (never values), for tests. */
  names(): string[];
  stop(): Promise<void>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSecretsManagerLocal(
  options: { file?: string; port?: number } = {},
): Promise<SecretsManagerLocal> {
  const secrets = new Map<string, StoredSecret>(
    options.file && existsSync(options.file)
      ? Object.entries(JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, StoredSecret>)
      : [],
  );
  const save = () => {
    if (!options.file) return;
    mkdirSync(dirname(options.file), { recursive: true });
    const temp = `${options.file}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(secrets)), { mode: 0o600 });
    renameSync(temp, options.file);
    chmodSync(options.file, 0o600);
  };
  const find = (id: unknown): [string, StoredSecret] => {
    const entry = [...secrets.entries()].find(([name, s]) => name === id || s.arn === id);
    if (!entry)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return entry;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    CreateSecret: (input) => {
      const name = String(input.Name ?? '');
      if (!name) throw new AwsError('InvalidParameterException', 'Name is required.');
      if (secrets.has(name))
        throw new AwsError('ResourceExistsException', `The secret ${name} already exists.`);
      const secret = {
        arn: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
        value: String(input.SecretString ?? ''),
        versionId: randomUUID(),
        createdAt: Date.now(),
      };
      secrets.set(name, secret);
      save();
      return { ARN: secret.arn, Name: name, VersionId: secret.versionId };
    },
    PutSecretValue: (input) => {
      const [name, secret] = find(input.SecretId);
      secret.value = String(input.SecretString ?? '');
      secret.versionId = randomUUID();
      save();
      return { ARN: secret.arn, Name: name, VersionId: secret.versionId };
    },
    GetSecretValue: (input) => {
      const [name, secret] = find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        CreatedDate: secret.createdAt / 1000,
      };
    },
    DescribeSecret: (input) => {
      const [name, secret] = find(input.SecretId);
      return { ARN: secret.arn, Name: name };
    },
    DeleteSecret: (input) => {
      const [name, secret] = find(input.SecretId);
      secrets.delete(name);
      save();
      return { ARN: secret.arn, Name: name, DeletionDate: Date.now() / 1000 };
    },
  };

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = operations[target.replace(/^secretsmanager\./, '')];
      try {
        if (!operation) throw new AwsError('InvalidAction', `Unsupported operation ${target}.`);
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        reply(res, 200, operation(input));
      } catch (error) {
        const type = error instanceof AwsError ? error.type : 'InternalServiceError';
        reply(res, error instanceof AwsError ? 400 : 500, {
          __type: type,
          message: (error as Error).message,
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    names: () => [...secrets.keys()],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
