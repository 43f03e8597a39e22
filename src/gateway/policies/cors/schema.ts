import { Type, type Static } from '@sinclair/typebox';

const Token = Type.String({ minLength: 1, maxLength: 128, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" });

export const CorsOptions = Type.Object(
  {
    origins: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      minItems: 1,
      maxItems: 500,
      description:
        'Allowed origins: `*`, exact origins (`https://app.example.com`), or subdomain patterns (`*.example.com`, `https://*.example.com`).',
    }),
    methods: Type.Array(Token, {
      default: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
      maxItems: 50,
      description: 'Methods announced in preflight answers (Access-Control-Allow-Methods).',
    }),
    headers: Type.Array(Token, {
      default: [],
      maxItems: 200,
      description: 'Request headers allowed by preflights; empty allows whatever the preflight asks for.',
    }),
    expose_headers: Type.Array(Token, {
      default: [],
      maxItems: 200,
      description: 'Response headers scripts may read (Access-Control-Expose-Headers).',
    }),
    credentials: Type.Boolean({
      default: false,
      description: 'Allow cookies and credentials; the origin is then always echoed, never `*`.',
    }),
    max_age_s: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 86_400, description: 'How long browsers may cache a preflight answer, in seconds.' }),
    ),
  },
  { additionalProperties: false, description: 'Cross-origin resource sharing: answers preflights, adds CORS headers.' },
);
export type CorsOptions = Static<typeof CorsOptions>;
