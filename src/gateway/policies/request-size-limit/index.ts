/**
 * request-size-limit: a declared Content-Length over the limit is refused at once; a chunked body
 * is counted while it streams upstream (the proxy enforces `ctx.maxBodyBytes`).
 */
import { GantryError } from '../../../core/errors.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { RequestSizeLimitOptions } from './schema.js';

export const requestSizeLimitPolicy: PolicyDefinition<typeof RequestSizeLimitOptions, RequestContext> = {
  type: 'request-size-limit',
  description: 'Refuse request bodies larger than a limit with 413.',
  schema: RequestSizeLimitOptions,
  priority: 400,
  phases: ['access'],
  create(options) {
    const max = options.max_bytes;
    function requestSizeLimit(ctx: RequestContext): void {
      ctx.maxBodyBytes = max;
      const declared = ctx.headers['content-length'];
      if (declared !== undefined && Number(declared) > max) {
        throw new GantryError('GANTRY_ERR_BODY_TOO_LARGE', `The request body is larger than ${max} bytes`);
      }
    }
    return { access: requestSizeLimit };
  },
};
