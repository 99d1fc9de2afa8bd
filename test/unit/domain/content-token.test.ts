import { describe, expect, it } from 'vitest';
import { formatAppleDate, parseAppleDate } from '../../../shared/domain/apple-date.ts';
import { encodeContentToken, parseContentToken } from '../../../shared/domain/content-token.ts';

const NOW = new Date('2026-11-26T12:00:00Z');
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

describe('parseContentToken', () => {
  it('reads the reference example (§12 a), trailing newline and +0000 offset included', () => {
    // Prepare: the composed example of the reference, as a file with a trailing newline
    const file =
      'eyJ0b2tlbiI6ImMybHRkV3hoZEc5eUxXOXViSGt0ZEc5clpXNHRkbUZzZFdVPSIsImV4cERhdGUiOiIyMDI3LTAzLTAxVDEwOjAwOjAwKzAwMDAiLCJvcmdOYW1lIjoiRXhhbXBsZSBTY2hvb2wgRGlzdHJpY3QifQ==\n';
    // Act
    const parsed = parseContentToken(file, NOW);
    // Assess: the whole trimmed file is the bearer; the fields are read
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.token.orgName).toBe('Example School District');
    expect(parsed.token.expiresAt.toISOString()).toBe('2027-03-01T10:00:00.000Z');
    expect(parsed.token.secret.reveal()).toBe(file.trim());
  });

  describe('a token as people paste it', () => {
    // A token long enough to wrap several times at 76 columns, as a mail client or `base64 -w 76` does.
    const compact = encodeContentToken({
      token: 'pasted-inner-token-'.repeat(8),
      expiresAt: new Date('2030-01-01T00:00:00Z'),
      orgName: 'Paste School',
    });
    const lines = compact.match(/.{1,76}/g) ?? [];
    const middle = Math.floor(compact.length / 2);

    it.each([
      ['wrapped at 76 with LF', lines.join('\n')],
      ['wrapped at 76 with CRLF', lines.join('\r\n')],
      ['wrapped with a trailing newline', `${lines.join('\n')}\n`],
      ['with spaces', `  ${compact.slice(0, 40)} ${compact.slice(40, 90)}   ${compact.slice(90)} `],
      ['with tabs', `\t${compact.slice(0, 50)}\t${compact.slice(50)}\t`],
      ['with a BOM at the start', `\uFEFF${compact}`],
      ['with a BOM inside', `${compact.slice(0, middle)}\uFEFF${compact.slice(middle)}`],
      ['with a trailing newline', `${compact}\n`],
      ['with a trailing CRLF', `${compact}\r\n`],
      ['with everything at once', `\uFEFF ${lines.join(' \r\n\t')}\uFEFF\n\n`],
    ])('keeps only the token: %s', (_name, file) => {
      expect(lines.length).toBeGreaterThan(2);
      // Act
      const parsed = parseContentToken(file, NOW);
      // Assess: the secret is the compact text, the one Apple knows and a header can carry
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.token.secret.reveal()).toBe(compact);
      expect(parsed.token.orgName).toBe('Paste School');
    });

    it('still recognises a DEP token by its S/MIME phrases, spaces and all', () => {
      const file = `-----BEGIN MESSAGE-----\r\n${lines.join('\r\n')}\r\n-----END MESSAGE-----\r\n`;
      const parsed = parseContentToken(file, NOW);
      expect(parsed).toMatchObject({ ok: false, problem: 'malformed' });
      expect(parsed.ok === false && parsed.message).toMatch(/device enrolment/);
    });

    it('refuses what is still not a token once the spacing is gone', () => {
      const parsed = parseContentToken(`${lines[0]}\n!!${lines[1]}`, NOW);
      expect(parsed).toMatchObject({ ok: false, problem: 'malformed' });
      expect(parsed.ok === false && parsed.message).toMatch(/not base64/);
    });

    it('calls a file of only spacing and BOMs blank', () => {
      expect(parseContentToken('\uFEFF \r\n\t\uFEFF\u200B', NOW)).toMatchObject({
        ok: false,
        problem: 'blank',
      });
    });
  });

  it.each([
    ['empty', ''],
    ['whitespace', '  \n\t '],
  ])('refuses a blank token (%s)', (_name, file) => {
    expect(parseContentToken(file, NOW)).toEqual({
      ok: false,
      problem: 'blank',
      message: "VPP service token can't be blank.",
    });
  });

  it.each([
    ['not base64', 'this is not a token!', /not base64/],
    ['base64 of text', b64('hello world'), /does not decode to JSON/],
    ['a JSON array', b64([1, 2]), /JSON object/],
    ['missing fields', b64({ token: 'x' }), /missing expDate, orgName/],
    ['a bad date', b64({ token: 'x', expDate: 'tomorrow', orgName: 'A' }), /not a date/],
    [
      'a DEP token (S/MIME)',
      'Content-Type: application/pkcs7-mime; name="smime.p7m"\nMIME-Version: 1.0\n\nMIAGCSqGSIb3',
      /device enrolment/,
    ],
    [
      'a decoded DEP token',
      b64({ consumer_key: 'CK_1', consumer_secret: 'CS', access_token: 'AT', access_secret: 'AS' }),
      /device enrolment/,
    ],
  ])('says what is wrong with %s', (_name, file, message) => {
    const parsed = parseContentToken(file, NOW);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe('malformed');
    expect(parsed.message).toMatch(message);
  });

  it('refuses an expired token and names the day', () => {
    const file = encodeContentToken({
      token: 'abc',
      expiresAt: new Date('2026-11-01T00:00:00Z'),
      orgName: 'Org',
    });
    const parsed = parseContentToken(file, NOW);
    expect(parsed).toMatchObject({ ok: false, problem: 'expired' });
    expect(parsed.ok === false && parsed.message).toContain('2026-11-01');
  });

  it('never echoes the token in a message and redacts it when printed', () => {
    const file = encodeContentToken({
      token: 'inner-secret',
      expiresAt: new Date('2030-01-01T00:00:00Z'),
      orgName: 'Org',
    });
    const parsed = parseContentToken(file, NOW);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(JSON.stringify(parsed)).not.toContain(file);
    expect(String(parsed.token.secret)).toBe('[redacted]');
    expect(`${parsed.token.secret}`).not.toContain('inner');
  });
});

describe('Apple dates', () => {
  it.each([
    ['2030-11-08T22:33:22+0000', '2030-11-08T22:33:22.000Z'],
    ['2030-11-08T22:33:22-0700', '2030-11-09T05:33:22.000Z'],
    ['2030-11-08T22:33:22Z', '2030-11-08T22:33:22.000Z'],
    ['2030-11-08T22:33:22+02:00', '2030-11-08T20:33:22.000Z'],
  ])('parses %s', (text, iso) => {
    expect(parseAppleDate(text)?.toISOString()).toBe(iso);
  });

  it('rejects what is not a date and formats with +0000', () => {
    expect(parseAppleDate('2030-13-45')).toBeUndefined();
    expect(formatAppleDate(new Date('2027-03-01T10:00:00.123Z'))).toBe('2027-03-01T10:00:00+0000');
  });
});
