/**
 * Generates the OpenAPI 3.1 document from the route contracts. OpenAPI 3.1 uses JSON Schema 2020-12,
 * which zod produces natively, so the document is built from the very schemas that validate requests.
 */
import * as z from 'zod';
import { ErrorBodySchema, GatewayErrorSchema, type RouteContract } from './route.ts';
import { WEBHOOK_EVENT_SCHEMAS } from './webhooks.ts';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: a job was started',
  204: 'No content',
  303: 'See other',
  400: 'Malformed request',
  401: 'No or bad credentials',
  403: 'Not allowed',
  404: 'Not found (also for another organisation’s resources)',
  409: 'Conflict',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported media type',
  422: 'A rule was violated',
  429: 'Throttled',
};

type JsonSchema = Record<string, unknown>;

/** Converts a zod schema, moving schemas with an `id` into components and referring to them. */
class SchemaRegistry {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const generated = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
    });
    // Schemas with a meta `id` come out under $defs; OpenAPI keeps them in components.
    const json = JSON.parse(
      JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    const { $defs, $schema: _schema, ...rest } = json;
    for (const [id, def] of Object.entries($defs ?? {})) this.components[id] = def;
    return rest;
  }
}

function parameters(contract: RouteContract, registry: SchemaRegistry): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', contract.params],
    ['query', contract.query],
  ] as const) {
    if (!schema) continue;
    const json = registry.convert(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  if (contract.startsJob) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'The same key within 24 hours returns the same job.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

export function buildOpenApi(
  routes: readonly RouteContract[],
  info: { version: string; serverUrl?: string },
): JsonSchema {
  const registry = new SchemaRegistry();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  registry.components.Error = registry.convert(ErrorBodySchema, 'output');
  registry.components.GatewayError = registry.convert(GatewayErrorSchema, 'output');
  // What webhooks deliver (no route answers with it): every event type's envelope, and their union.
  registry.components.WebhookEvent = {
    ...registry.convert(z.union(Object.values(WEBHOOK_EVENT_SCHEMAS)), 'output'),
    description:
      'The body of a webhook delivery (signed per Standard Webhooks; `webhook-id` is `id`). Batched events carry a list in `data`.',
  };

  for (const route of routes) {
    const responses: Record<string, JsonSchema> = {};
    const ok = route.response;
    const contentType = ok.contentType ?? 'application/json';
    responses[String(ok.status)] = {
      description: ok.description ?? STATUS_TEXT[ok.status] ?? 'OK',
      ...(ok.schema ? { content: { [contentType]: { schema: registry.convert(ok.schema, 'output') } } } : {}),
    };
    const bodyType = route.bodyType ?? (route.body ? 'json' : 'none');
    const errors = new Set<number>([
      ...(route.errors ?? []),
      ...(route.params || route.query || route.body ? [400] : []),
      // A body of another Content-Type than the route reads (SPEC §4: request.unsupported_media_type).
      ...(route.body && ['json', 'csv', 'form'].includes(bodyType) ? [415] : []),
    ]);
    if (route.auth === 'jwt') {
      errors.add(403);
      responses['401'] = {
        description: STATUS_TEXT[401],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayError' } } },
      };
    }
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: errorRef } },
      };
    }
    const media = {
      json: 'application/json',
      csv: 'text/csv',
      form: 'application/x-www-form-urlencoded',
      raw: 'application/json',
      file: '',
      none: '',
    }[bodyType];
    // A file upload: each media type the use case reads, as bytes.
    const fileBody =
      bodyType === 'file'
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                (route.fileTypes ?? []).map((type) => [
                  type,
                  {
                    schema: {
                      type: 'string',
                      format: 'binary',
                      ...(route.fileDescription ? { description: route.fileDescription } : {}),
                    },
                  },
                ]),
              ),
            },
          }
        : {};
    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    operations[route.method.toLowerCase()] = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'jwt' ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters: parameters(route, registry),
      ...fileBody,
      ...(route.body && media
        ? {
            requestBody: {
              required: true,
              content: { [media]: { schema: registry.convert(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'VPP Manager API',
      version: info.version,
      description: "Manages an organisation's Apple Apps and Books (VPP) licences.",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: registry.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
