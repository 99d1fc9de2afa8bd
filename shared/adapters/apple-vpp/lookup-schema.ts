/**
 * Apple's content metadata lookup (`service/config` `contentMetadataLookup`, the legacy
 * MZStorePlatform lookup): `{results: {"<adamId>": {name, artwork: {url}, ...}}}`. Unknown ids are
 * simply absent.
 */
import * as z from 'zod';

export const ContentLookupSchema = z.object({
  results: z.record(
    z.string(),
    z.object({
      name: z.string(),
      kind: z.string().optional(),
      bundleId: z.string().optional(),
      artwork: z.object({ url: z.string() }).optional(),
    }),
  ),
});
