/**
 * Schemas shared by every resource's routes: path ids, list queries, pages, error bodies. Resource
 * bodies themselves come from core/model.ts; nothing here redefines them.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import type { ListQuery } from '../../../store/types.js';

export const ResourceId = Type.String({ minLength: 1, maxLength: 64 });
export const IdParams = Type.Object({ id: ResourceId }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * Query strings are not type-coerced (one Ajv instance serves bodies too, and bodies must not be),
 * so numbers in queries are validated as digit strings and converted in `toListQuery`.
 */
const Limit = Type.String({
  pattern: '^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$',
  description: 'Page size, 1 to 500 (default 100).',
});

export const ListQueryProperties = {
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "A previous page's next_cursor." })),
  team_id: Type.Optional(ResourceId),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Case-insensitive substring of the name.' })),
};

export function listQuerySchema<P extends TProperties>(extra: P) {
  return Type.Object({ ...ListQueryProperties, ...extra }, { additionalProperties: false });
}
export const BaseListQuery = listQuerySchema({});
export type BaseListQuery = Static<typeof BaseListQuery>;

/** The store's list query from a validated query string (drops what was not given). */
export function toListQuery<Q extends { limit?: string }>(query: Q): Omit<Q, 'limit'> & ListQuery {
  const { limit, ...rest } = query;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) out[key] = value;
  if (limit !== undefined) out.limit = Number(limit);
  return out as Omit<Q, 'limit'> & ListQuery;
}

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
  });
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable GANTRY_ERR_... code.' }),
      message: Type.String(),
      request_id: Type.Optional(Type.String()),
      details: Type.Optional(
        Type.Array(Type.Object({ path: Type.Optional(Type.String()), message: Type.String() })),
      ),
    }),
  },
  { description: 'Error' },
);

export const NoContent = Type.Null({ description: 'Deleted' });

interface RouteSchemaParts {
  tags: string[];
  summary: string;
  description?: string;
  params?: TObject;
  querystring?: TObject;
  body?: TSchema;
  response: Record<number, TSchema>;
}

/** A route's schema: its parts plus the error responses every admin route can give. */
export function routeSchema(parts: RouteSchemaParts): FastifySchema {
  return {
    ...parts,
    response: { ...parts.response, '4xx': ErrorBody, '5xx': ErrorBody },
  } as FastifySchema;
}
