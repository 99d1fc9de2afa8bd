/** Health and the OpenAPI document: no authentication. */
import { ROUTES } from '../../shared/api/index.ts';
import { buildOpenApi } from '../../shared/api/openapi.ts';
import { getHealth, getOpenApi } from '../../shared/api/system.ts';
import { bind, httpFunction } from '../lib/http.ts';

let openApi: unknown;

export const handler = httpFunction(
  bind(getHealth, async ({ deps }) => ({ body: { status: 'ok', stage: deps.settings.stage } })),
  bind(getOpenApi, async ({ deps }) => {
    openApi ??= buildOpenApi(ROUTES, { version: '1.0.0', serverUrl: deps.settings.publicBaseUrl });
    return { body: openApi };
  }),
);
