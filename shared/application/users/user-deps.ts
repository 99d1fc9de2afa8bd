/** What the user use cases depend on. */
import { NotFoundError } from '../../domain/errors.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import type { TokenGuardDeps } from '../accounts/token-guard.ts';
import type { AssignmentRepository } from '../ports/assignment-repository.ts';
import type { IdGenerator } from '../ports/clock.ts';
import type { Debouncer } from '../ports/debouncer.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { VppClient } from '../ports/vpp-client.ts';

export interface UserDeps extends TokenGuardDeps {
  readonly debouncer: Debouncer;
  readonly queue: MessageQueue;
  readonly settings: ServiceSettings;
  readonly users: UserRepository;
  readonly assignments: AssignmentRepository;
  readonly vpp: VppClient;
  readonly ids: IdGenerator;
}

/** A user of the account, or 404 `user.not_found`. */
export async function loadUser(
  deps: { users: UserRepository },
  accountId: string,
  userId: string,
): Promise<VppUser> {
  const user = await deps.users.get(accountId, userId);
  if (!user) throw new NotFoundError('User');
  return user;
}
