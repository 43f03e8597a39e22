import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Per-app AI limits, checked before sending (estimate) and reconciled after. */
export const AiLimits = Type.Object(
  {
    tokens_per_minute: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    spend_per_day_usd: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    spend_per_month_usd: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
  },
  { additionalProperties: false },
);
export type AiLimits = Static<typeof AiLimits>;

