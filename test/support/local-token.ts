/**
 * A sign-in token from `npm run token`, as a person running local mode mints one, for the e2e tests
 * that start `npm start` themselves. Asynchronous on purpose: a blocking child process would freeze
 * the test's event loop, and the HTTP client would then reuse a kept-alive socket the server had
 * closed meanwhile ("other side closed").
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

export async function localToken(
  localDir: string,
  claims: { org?: string; role: string; email?: string; expires?: string },
): Promise<string> {
  const args = [
    '--org',
    claims.org ?? 'demo',
    '--role',
    claims.role,
    '--email',
    claims.email ?? 'admin@demo.test',
  ];
  if (claims.expires) args.push(`--expires=${claims.expires}`);
  const { stdout } = await run('npm', ['run', '--silent', 'token', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_DIR: localDir },
    encoding: 'utf8',
  });
  return stdout.trim();
}
