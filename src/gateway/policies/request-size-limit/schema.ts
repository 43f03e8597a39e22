import { Type, type Static } from '@sinclair/typebox';

export const RequestSizeLimitOptions = Type.Object(
  {
    max_bytes: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Largest request body accepted, in bytes. Larger bodies get 413, also when sent chunked.',
    }),
  },
  { additionalProperties: false, description: 'Limits the size of request bodies (replaces the node default).' },
);
export type RequestSizeLimitOptions = Static<typeof RequestSizeLimitOptions>;
