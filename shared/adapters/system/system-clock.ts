import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '../../application/ports/clock.ts';

export const systemClock: Clock = { now: () => new Date() };

export const cryptoIds: IdGenerator = {
  newId: () => randomUUID(),
  randomToken: (bytes = 32) => randomBytes(Math.max(16, bytes)).toString('base64url'),
};
