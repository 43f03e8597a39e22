import { Type, type Static } from '@sinclair/typebox';

const Cidr = Type.String({
  minLength: 2,
  maxLength: 64,
  description: 'An IPv4 or IPv6 address, or a CIDR range such as `10.0.0.0/8` or `2001:db8::/32`.',
});

export const IpRestrictionOptions = Type.Object(
  {
    allow: Type.Array(Cidr, {
      default: [],
      maxItems: 1000,
      description: 'When not empty, only clients in these ranges are let through.',
    }),
    deny: Type.Array(Cidr, {
      default: [],
      maxItems: 1000,
      description: 'Clients in these ranges are refused, even when also allowed.',
    }),
  },
  {
    additionalProperties: false,
    description: 'Allow or deny clients by address. IPv4-mapped IPv6 addresses match IPv4 rules.',
  },
);
export type IpRestrictionOptions = Static<typeof IpRestrictionOptions>;
