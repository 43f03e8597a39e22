import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../src/gateway/trace-context.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent parsing (W3C Trace Context)', () => {
  it('reads version 00 and future versions by their version-00 prefix', () => {
    expect(parseTraceparent(`00-${ID}-${SPAN}-01`)).toEqual({ version: '00', traceId: ID, parentId: SPAN, flags: '01' });
    expect(parseTraceparent(` 00-${ID}-${SPAN}-00 `)?.flags).toBe('00');
    expect(parseTraceparent(`01-${ID}-${SPAN}-01-whatever-comes-next`)?.traceId).toBe(ID);
    expect(parseTraceparent(`cc-${ID}-${SPAN}-09`)?.version).toBe('cc');
  });

  it('refuses what the spec calls invalid', () => {
    for (const bad of [
      undefined,
      '',
      `ff-${ID}-${SPAN}-01`, // version ff
      `00-${ID}-${SPAN}-01-extra`, // version 00 has nothing after the flags
      `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
      `00-${ID}-${'0'.repeat(16)}-01`, // all-zero parent id
      `00-${ID.toUpperCase()}-${SPAN}-01`, // upper case
      `00-${ID.slice(1)}-${SPAN}-01`, // short trace id
      `00-${ID}-${SPAN}-1`, // short flags
      `00-${ID}-${SPAN}-01, 00-${ID}-${SPAN}-01`, // two headers joined
      `01-${ID}-${SPAN}-01extra`, // a future version must separate what follows with '-'
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
    expect(parseTraceparent([`00-${ID}-${SPAN}-01`])).toBeNull();
  });
});
