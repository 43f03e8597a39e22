import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ResourceId, routeSchema } from '../common/schema.js';

const tags = ['cache'];

export const PurgeBody = Type.Object(
  {
    route_id: Type.Optional(ResourceId),
    path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8192,
        pattern: '^/',
        description: 'With route_id: the path and query of one URL, as clients request it (e.g. `/products/42?lang=en`).',
      }),
    ),
    host: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "With path: the Host clients use, when the route's cache key includes it (the default)." }),
    ),
    service_id: Type.Optional(ResourceId),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^\\S+$' }), {
        minItems: 1,
        maxItems: 64,
        uniqueItems: true,
        description: 'Surrogate keys (from the Surrogate-Key response header) of the team given by team_id.',
      }),
    ),
    team_id: Type.Optional(ResourceId),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of: `route_id` + `path` (one URL), `route_id` (a route), `service_id` (a service), `tags` (surrogate keys).',
  },
);
export type PurgeBody = Static<typeof PurgeBody>;

export const PurgeResult = Type.Object({
  purged: Type.Union([Type.Literal('url'), Type.Literal('route'), Type.Literal('service'), Type.Literal('tags')]),
  removed: Type.Object({
    this_node_memory: Nullable(Type.Integer({ description: "Entries removed from this node's memory store; null when it runs no data plane." })),
    redis: Nullable(Type.Integer({ description: 'Entries removed from the shared Redis store; null when the node has no Redis.' })),
  }),
  announced: Nullable(
    Type.Union([Type.Literal('redis'), Type.Literal('postgres')], {
      description: "How the other nodes were told to purge their memory stores; null for a single node. Their counts are not known here.",
    }),
  ),
});
export type PurgeResult = Static<typeof PurgeResult>;

export const purgeCache = routeSchema({
  tags,
  summary: 'Purge cached responses',
  description:
    'Removes cached REST responses by URL, route, service or surrogate key, from every node: the shared Redis store once, and each data plane’s memory store. Team tokens purge their own team’s routes, services and tags only.',
  body: PurgeBody,
  response: { 200: PurgeResult },
});
