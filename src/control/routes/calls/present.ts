import type { CallRecord } from '../../../core/call-record.js';
import type { CallLogDetail } from '../../../store/types.js';
import { pickDeclared } from '../common/present.js';
import { CallView, type CallDetailView } from './schema.js';

export function presentCall(record: CallRecord): CallView {
  const view = pickDeclared<CallView>(CallView, record);
  view.time = new Date(record.time).toISOString();
  view.trace_id = record.trace_id ?? null;
  return view;
}

export function presentCallDetail(detail: CallLogDetail): CallDetailView {
  const b = detail.bodies;
  return {
    ...presentCall(detail),
    bodies:
      b === null
        ? null
        : {
            request_body: b.request_body,
            response_body: b.response_body,
            request_headers: b.request_headers,
            response_headers: b.response_headers,
            truncated: b.truncated,
          },
  };
}
