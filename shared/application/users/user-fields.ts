/**
 * The rules of each user field, shared by the JSON bodies and the CSV import (one source of truth).
 * Tags may not contain `;`, the separator of tags within a CSV cell, so every tag survives a round trip.
 */
import * as z from 'zod';

export const UserFields = {
  email: z
    .email('not a valid e-mail address')
    .max(254)
    .transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(200),
  managedAppleId: z
    .email('not a valid Managed Apple Account (an e-mail-style Apple Account)')
    .max(254)
    .transform((e) => e.toLowerCase()),
  tags: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(64)
        .refine((t) => !t.includes(';'), 'a tag may not contain ";"'),
    )
    .max(50)
    .transform((tags) => [...new Set(tags)]),
};
