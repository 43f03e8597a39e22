/** response-headers: transforms the upstream response headers sent to the client (response phase). */
import type { RequestContext } from '../../context.js';
import { compileHeaderTransform } from '../shared/header-transform.js';
import type { PolicyDefinition } from '../types.js';
import { ResponseHeadersOptions } from './schema.js';

export const responseHeadersPolicy: PolicyDefinition<typeof ResponseHeadersOptions, RequestContext> = {
  type: 'response-headers',
  description: 'Set, add or remove headers of the response sent to the client.',
  schema: ResponseHeadersOptions,
  priority: 100,
  phases: ['response'],
  create(options) {
    const { drop, extra } = compileHeaderTransform(options);
    function responseHeaders(ctx: RequestContext): void {
      if (drop !== null) ctx.dropResponseHeaders(drop);
      if (extra !== null) ctx.addResponseHeaders(extra);
    }
    return { response: responseHeaders };
  },
};
