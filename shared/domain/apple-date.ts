/**
 * Apple writes dates as ISO 8601 with an offset that has no colon (`2027-03-01T10:00:00+0000`,
 * sometimes `-0700`). JavaScript's Date parser does not accept that form everywhere, so both
 * directions live here.
 */
const APPLE_DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses an Apple date (also plain ISO 8601). Returns undefined when it is not a date. */
export function parseAppleDate(text: string): Date | undefined {
  const match = APPLE_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, local, zone] = match;
  let offset = 'Z';
  if (zone && zone !== 'Z') offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${local}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Formats a date the way Apple does: UTC with a `+0000` offset and no milliseconds. */
export function formatAppleDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+0000`;
}
