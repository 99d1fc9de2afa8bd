/**
 * Finds secrets in text the way an attacker reading the logs would: each secret whole and every piece
 * of 20 characters of it (so a truncated, wrapped or split copy counts as a leak too).
 */

export const PIECE_LENGTH = 20;

/** Every piece of `PIECE_LENGTH` characters of a value, or the value itself when it is shorter. */
export function piecesOf(value: string): string[] {
  if (value.length <= PIECE_LENGTH) return [value];
  const pieces: string[] = [];
  for (let at = 0; at + PIECE_LENGTH <= value.length; at++) pieces.push(value.slice(at, at + PIECE_LENGTH));
  return pieces;
}

/** The names of the secrets found in `text`, each with the first piece of it found (empty: no leak). */
export function leaks(text: string, secrets: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (value === '') throw new Error(`the secret "${name}" is empty: the scan would prove nothing`);
    const piece = piecesOf(value).find((p) => text.includes(p));
    if (piece !== undefined) found.push(`${name} (piece ${JSON.stringify(piece)})`);
  }
  return found;
}
