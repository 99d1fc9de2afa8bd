/** Invitation links, by the hash of their token (the token itself is never stored). */
import type { InvitationLink } from '../../domain/invitation.ts';

export interface InvitationRepository {
  create(link: InvitationLink): Promise<void>;
  get(hash: string): Promise<InvitationLink | undefined>;
  /** Moves an active link to used; false when it was not active (used, voided) any more. */
  use(hash: string, at: string): Promise<boolean>;
  void(hash: string): Promise<void>;
}
