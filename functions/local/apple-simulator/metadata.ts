/**
 * Content metadata, standing in for the `contentMetadataLookup` URL of `service/config` (reference §3):
 * `GET /lookup?version=2&p=mdm-lockup&caller=MDM&platform=..&cc=..&l=en&id=<adamIds>` answers
 * `{results: {<adamId>: {...}}}` for every adamId any location holds; unknown ids are simply absent.
 * Artwork URLs point at `/artwork/<adamId>/{w}x{h}bb.{f}`, served as a generated SVG (`f = svg`) or a
 * solid-colour PNG (any other format). No authentication and no rate limit, as the real lookup is a
 * store endpoint; calls are counted as `GET lookup`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { answerFault, countCall } from './apple-api.ts';
import type { SimulatorContext } from './context.ts';
import { send, sendJson, sleep } from './http-io.ts';
import type { AssetRecord } from './state.ts';

const FAMILIES: Readonly<Record<string, string[]>> = {
  iOS: ['iphone', 'ipad'],
  macOS: ['mac'],
  tvOS: ['tvos'],
  watchOS: ['watch'],
  visionOS: ['realityDevice'],
};

function findProduct(ctx: SimulatorContext, adamId: string): AssetRecord | undefined {
  for (const location of ctx.state.locations.values()) {
    for (const asset of location.assets.values()) if (asset.adamId === adamId) return asset;
  }
  return undefined;
}

function kindOf(asset: AssetRecord): string {
  if (asset.productType === 'Book') return 'ebook';
  const onlyMac = asset.supportedPlatforms.length > 0 && asset.supportedPlatforms.every((p) => p === 'macOS');
  return onlyMac ? 'macSoftware' : 'iosSoftware';
}

/** Serves `/lookup`; fault rules apply only when they name `'GET lookup'` explicitly. */
export async function handleLookup(
  ctx: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const key = `${(req.method ?? 'GET').toUpperCase()} lookup`;
  countCall(ctx, key);
  const faults = ctx.faults.decide(key, false);
  if (faults.delayMs > 0) await sleep(faults.delayMs, ctx.closing);
  if (faults.terminal) {
    answerFault(ctx, req, res, key, faults.terminal, faults);
    return;
  }
  if (req.method !== 'GET') {
    sendJson(res, 405, { errorNumber: 9726, errorMessage: 'HTTP method not supported on this endpoint.' });
    return;
  }
  const ids = (query.get('id') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const results: Record<string, object> = {};
  for (const adamId of new Set(ids)) {
    const asset = findProduct(ctx, adamId);
    if (!asset) continue;
    results[adamId] = {
      id: adamId,
      name: asset.name,
      kind: kindOf(asset),
      ...(asset.bundleId !== undefined && { bundleId: asset.bundleId }),
      artwork: { url: `${ctx.url}/artwork/${adamId}/{w}x{h}bb.{f}`, width: 512, height: 512 },
      deviceFamilies: [...new Set(asset.supportedPlatforms.flatMap((p) => FAMILIES[p] ?? []))],
    };
  }
  sendJson(res, 200, { results });
}

const ARTWORK_PATH = /^\/artwork\/(\d+)\/(\d+)x(\d+)bb\.([a-z]+)$/;

/** Serves `/artwork/<adamId>/<w>x<h>bb.<format>`. */
export function handleArtwork(ctx: SimulatorContext, res: ServerResponse, path: string): void {
  const match = ARTWORK_PATH.exec(path);
  const asset = match?.[1] === undefined ? undefined : findProduct(ctx, match[1]);
  if (!match || !asset) {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    return;
  }
  const clamp = (n: string | undefined): number => Math.min(1024, Math.max(1, Number(n)));
  const width = clamp(match[2]);
  const height = clamp(match[3]);
  const [r, g, b] = colourOf(asset.adamId);
  if (match[4] === 'svg') {
    const initials = asset.name
      .split(/\s+/)
      .slice(0, 2)
      .map((w) => w[0] ?? '')
      .join('')
      .replace(/[<>&"']/g, '');
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 100 100">` +
      `<rect width="100" height="100" rx="22" fill="rgb(${r},${g},${b})"/>` +
      `<text x="50" y="62" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#fff">${initials}</text></svg>`;
    send(res, 200, 'image/svg+xml', svg);
    return;
  }
  send(res, 200, 'image/png', solidPng(width, height, [r, g, b]));
}

/** A stable, fairly saturated colour per product. */
function colourOf(adamId: string): [number, number, number] {
  const digest = createHash('sha256').update(adamId).digest();
  return [64 + ((digest[0] ?? 0) % 160), 64 + ((digest[1] ?? 0) % 160), 64 + ((digest[2] ?? 0) % 160)];
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // truecolour RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x += 1) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
