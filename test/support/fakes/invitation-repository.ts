/** Invitation links by hash; a link moves from active only, as the table's conditions allow. */
import type { InvitationRepository } from '../../../shared/application/ports/invitation-repository.ts';
import { type InvitationLink, InvitationLinkSchema } from '../../../shared/domain/invitation.ts';
import { conditionalCheckFailed, copy } from './conditions.ts';

export class MemoryInvitationRepository implements InvitationRepository {
  readonly #links = new Map<string, InvitationLink>();

  async create(link: InvitationLink): Promise<void> {
    if (this.#links.has(link.hash)) throw conditionalCheckFailed(`link ${link.hash} exists`);
    this.#links.set(link.hash, InvitationLinkSchema.parse(copy(link)));
  }

  async get(hash: string): Promise<InvitationLink | undefined> {
    const found = this.#links.get(hash);
    return found ? copy(found) : undefined;
  }

  async use(hash: string, at: string): Promise<boolean> {
    const link = this.#links.get(hash);
    if (link?.state !== 'active') return false;
    link.state = 'used';
    link.usedAt = at;
    return true;
  }

  async void(hash: string): Promise<void> {
    const link = this.#links.get(hash);
    if (link?.state === 'active') link.state = 'voided';
  }

  /** Every link (test assertions). */
  all(): InvitationLink[] {
    return [...this.#links.values()].map(copy);
  }
}
