/**
 * key-auth: the API key (sha256 of it) is looked up in the snapshot's key map; the caller becomes
 * the context's consumer. Missing, unknown or expired keys get 401 with `WWW-Authenticate: Bearer`;
 * a valid key of another team's app gets 403 unless the policy allows other teams.
 * On `ai` services the default header also has an alternative: the Anthropic SDK sends its key in
 * `x-api-key`, so a request without `Authorization` may carry the key there.
 */
import { GantryError } from '../../../core/errors.js';
import { hashSecret } from '../../../core/ids.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { KeyAuthOptions } from './schema.js';

const CHALLENGE = ['www-authenticate', 'Bearer'] as const;
const AI_MISSING = 'Missing API key; send Authorization: Bearer <api key> or x-api-key: <api key>';

export const keyAuthPolicy: PolicyDefinition<typeof KeyAuthOptions, RequestContext> = {
  type: 'key-auth',
  description: 'Authenticate callers with an API key issued to an app; the app becomes the consumer.',
  schema: KeyAuthOptions,
  priority: 300,
  phases: ['access'],
  create(options) {
    const header = options.header.toLowerCase();
    const bearer = header === 'authorization';
    const drop = options.hide_credentials ? [header] : null;
    const allowOtherTeams = options.allow_other_teams;
    const missingMessage = bearer
      ? 'Missing API key; send Authorization: Bearer <api key>'
      : `Missing API key; send it in the ${options.header} header`;

    function reject(ctx: RequestContext, message: string): never {
      ctx.addResponseHeaders(CHALLENGE);
      throw new GantryError('GANTRY_ERR_UNAUTHORIZED', message);
    }

    function keyAuth(ctx: RequestContext): void {
      const raw = ctx.headers[header];
      let key = typeof raw === 'string' ? raw : undefined;
      if (key !== undefined && bearer) {
        // `Bearer <key>`, scheme case-insensitive.
        const scheme = key.length > 7 && key.charCodeAt(6) === 32 && (key.startsWith('Bearer') || key.slice(0, 6).toLowerCase() === 'bearer');
        key = scheme ? key.slice(7).trim() : undefined;
      } else if (raw === undefined && bearer && ctx.service?.kind === 'ai') {
        const alt = ctx.headers['x-api-key'];
        if (typeof alt === 'string') key = alt.trim();
      }
      if (key === undefined || key === '') return reject(ctx, bearer && ctx.service?.kind === 'ai' ? AI_MISSING : missingMessage);
      const entry = ctx.snapshot.apiKeys.get(hashSecret(key));
      if (entry === undefined) return reject(ctx, 'Invalid API key');
      if (entry.expiresAtMs !== Infinity && Date.now() >= entry.expiresAtMs) return reject(ctx, 'The API key has expired');
      if (!allowOtherTeams && entry.teamId !== ctx.route!.teamId) {
        throw new GantryError('GANTRY_ERR_KEY_NOT_ALLOWED', "This API key belongs to another team's app, which may not call this route");
      }
      ctx.consumer = entry; // an ApiKeyEntry is a Consumer; no copy per request
      if (drop !== null) ctx.dropUpstreamHeaders(drop);
    }
    return { access: keyAuth };
  },
};
