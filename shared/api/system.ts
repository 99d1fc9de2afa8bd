/** Routes anyone may call: health and the OpenAPI document. */
import * as z from 'zod';
import { defineRoute } from './route.ts';

export const getHealth = defineRoute({
  id: 'getHealth',
  method: 'GET',
  path: '/v1/health',
  auth: 'none',
  summary: 'Liveness: the service answers.',
  tag: 'system',
  response: {
    status: 200,
    schema: z.object({ status: z.literal('ok'), stage: z.string() }).meta({ id: 'Health' }),
  },
});

export const getOpenApi = defineRoute({
  id: 'getOpenApi',
  method: 'GET',
  path: '/v1/openapi.json',
  auth: 'none',
  summary: 'This API, as an OpenAPI 3.1 document generated from the schemas that validate requests.',
  tag: 'system',
  response: { status: 200, description: 'An OpenAPI 3.1 document.' },
});
