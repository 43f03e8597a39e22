/**
 * call-log: what the call log keeps of a route's calls beyond the call record: request and response
 * bodies (size-capped while streaming), headers, and how they and the query string are redacted
 * before anything is stored (built-in rules, custom regexes, JSON paths; Authorization, cookies and
 * API or provider key headers never). Runs first in the access phase, so calls refused by later
 * policies (401, 429) are captured too. Capture itself: gateway/capture-tap.ts; redaction, off the
 * hot path: telemetry/capture.ts.
 */
import { compileCallLogOptions } from '../../../telemetry/capture.js';
import { startCapture } from '../../capture-tap.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { CallLogOptions } from './schema.js';

export const callLogPolicy: PolicyDefinition<typeof CallLogOptions, RequestContext> = {
  type: 'call-log',
  description: 'Capture request and response bodies (and headers) of calls into the call log, size-capped and redacted.',
  schema: CallLogOptions,
  priority: 0,
  phases: ['access'],
  create(options) {
    const config = compileCallLogOptions(options);
    function callLog(ctx: RequestContext): void {
      startCapture(ctx, config);
    }
    return { access: callLog };
  },
};
