import { z } from 'zod';
import { ErrorBody } from './api-schemas.ts';
import type { ApiRoute } from './api-routes.ts';

const schemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
};

/** The OpenAPI 3.1 document of the JSON API, generated from the route table's schemas. */
export function openApiDocument(routes: readonly ApiRoute[], info: { version: string; baseUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  for (const route of routes) {
    const parameters: unknown[] = [];
    if (route.path.includes('{id}')) {
      parameters.push({ name: 'id', in: 'path', required: true, description: 'arXiv id, e.g. 2401.01234 or hep-th/9901001 (a version suffix is ignored)', schema: { type: 'string' } });
    }
    if (route.query) {
      const json = schemaOf(route.query, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, schema] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, schema, ...(name === 'category' ? { explode: true } : {}) });
      }
    }
    const responses: Record<string, unknown> = {
      [String(route.status ?? 200)]: { description: 'OK', content: { 'application/json': { schema: schemaOf(route.response, 'output') } } },
      400: error, 404: error,
    };
    if (route.signedIn) responses[401] = error;
    if (route.method !== 'get') responses[403] = { ...error, description: 'CSRF token missing or wrong (send x-csrf-token from GET /api/session)' };
    if (route.limit) responses[429] = { ...error, description: 'Rate limited; see Retry-After' };
    if (route.body) {
      responses[413] = { ...error, description: 'Body too large' };
      responses[415] = { ...error, description: 'Body not sent as application/json' };
    }
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      operationId: `${route.method}${route.path.replace(/\{id\}/g, 'ById').replace(/[^A-Za-z]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      tags: [route.tag],
      parameters,
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
      ...(route.signedIn || route.method !== 'get' ? { security: [{ session: [] }] } : {}),
      responses,
    };
  }
  paths['/api/openapi.json'] = { get: { summary: 'This document', operationId: 'getOpenapi', tags: ['meta'], responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Paperboy API', version: info.version, description: 'Search, browse and curate research papers. Errors are JSON `{ error: { code, message } }` with stable codes.' },
    servers: [{ url: info.baseUrl }],
    paths,
    components: {
      schemas: { Error: schemaOf(ErrorBody, 'output') },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'pb_session', description: 'Session cookie from the emailed sign-in link; state-changing requests also need x-csrf-token' } },
    },
  };
}
