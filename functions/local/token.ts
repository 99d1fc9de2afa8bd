/**
 * `npm run token -- --org demo --role org-admin --email admin@demo.test`: prints a JWT the local API
 * accepts, signed with the local key in `.local/keys/` (created on first use).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RoleSchema } from '../../shared/domain/principal.ts';
import { issueToken, loadOrCreateKeys } from './jwt-keys.ts';

const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    role: { type: 'string' },
    email: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
const role = RoleSchema.safeParse(values.role);
if (!values.org || !values.email || !role.success) {
  process.stderr.write(
    'Usage: npm run token -- --org <org> --role <org-admin|admin|viewer> --email <email> [--sub <id>] [--expires 12h]\n',
  );
  process.exit(2);
}
const keys = await loadOrCreateKeys(join(resolve(process.env.LOCAL_DIR ?? '.local'), 'keys'));
process.stdout.write(
  `${await issueToken(keys, { org: values.org, role: role.data, email: values.email, expiresIn: values.expires, ...(values.sub ? { sub: values.sub } : {}) })}\n`,
);
