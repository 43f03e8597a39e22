import { Type, type Static } from '@sinclair/typebox';

export const KeyAuthOptions = Type.Object(
  {
    header: Type.String({
      default: 'authorization',
      minLength: 1,
      maxLength: 128,
      pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
      description:
        'Request header carrying the API key. For `authorization` the value must be `Bearer <key>`; any other header carries the raw key.',
    }),
    hide_credentials: Type.Boolean({
      default: true,
      description: 'Remove the key header before proxying, so the upstream never sees the key.',
    }),
    allow_other_teams: Type.Boolean({
      default: false,
      description:
        "Accept keys of other teams' apps. By default only apps of the route's own team may call it, so a tenant cannot reach another tenant's services with its own keys.",
    }),
  },
  { additionalProperties: false, description: 'Requires a valid, unexpired API key of an app.' },
);
export type KeyAuthOptions = Static<typeof KeyAuthOptions>;
