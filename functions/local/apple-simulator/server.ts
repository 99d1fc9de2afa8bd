/**
 * The simulator's request listener: dispatches by path to Apple's API (`/mdm/v2/*`), the controls
 * (`/_sim/*`), the invitation page, the metadata lookup and the artwork. Anything else is the same
 * 404 JSON as an unknown Apple path.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { handleAppleApi } from './apple-api.ts';
import type { SimulatorContext } from './context.ts';
import { handleControl } from './control-api.ts';
import { sendJson } from './http-io.ts';
import { handleInvitation } from './invitation-page.ts';
import { handleArtwork, handleLookup } from './metadata.ts';
import type { AppleSimulator } from './types.ts';

const APPLE_PREFIX = '/mdm/v2/';

/** The node:http listener of a simulator. */
export function requestListener(ctx: SimulatorContext, sim: AppleSimulator): RequestListener {
  return (req, res) => {
    dispatch(ctx, sim, req, res).catch((error: unknown) => {
      ctx.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { errorNumber: 9603, errorMessage: 'Internal error.' });
      else res.destroy();
    });
  };
}

async function dispatch(
  ctx: SimulatorContext,
  sim: AppleSimulator,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  if (path.startsWith(APPLE_PREFIX)) {
    await handleAppleApi(
      ctx,
      req,
      res,
      path.slice(APPLE_PREFIX.length).replace(/\/+$/, ''),
      url.searchParams,
    );
  } else if (path === '/_sim' || path.startsWith('/_sim/')) {
    await handleControl(sim, req, res, path);
  } else if (path === '/invitation') {
    await handleInvitation(ctx, req, res, url.searchParams);
  } else if (path === '/lookup') {
    await handleLookup(ctx, req, res, url.searchParams);
  } else if (path.startsWith('/artwork/')) {
    handleArtwork(ctx, res, path);
  } else {
    req.resume();
    sendJson(res, 404, { errorNumber: 9602, errorMessage: 'Unknown endpoint' });
  }
}
