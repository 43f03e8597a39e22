/**
 * Time ranges over rollups. Buckets are UTC minutes, hours and days, keyed by their start (epoch ms).
 * A range [from, to) is first widened to whole minutes, then cut into the fewest bucket-aligned
 * pieces: whole days in the middle, whole hours around them, minutes at the ends. Each piece is
 * read from the table of its resolution, so a 7-day question reads ~7 day rows per group plus at
 * most 46 hour rows and 118 minute rows per group at the edges.
 */

export type Resolution = 'minute' | 'hour' | 'day';
export const RESOLUTIONS: readonly Resolution[] = ['minute', 'hour', 'day'];

export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export function floorTo(ms: number, resolution: Resolution): number {
  const size = RESOLUTION_MS[resolution];
  return Math.floor(ms / size) * size;
}

export function ceilTo(ms: number, resolution: Resolution): number {
  const size = RESOLUTION_MS[resolution];
  return Math.ceil(ms / size) * size;
}

export interface RangePiece {
  resolution: Resolution;
  /** First bucket start included. */
  from: number;
  /** Bucket starts < to. */
  to: number;
}

/** [from, to) widened to whole buckets of `resolution`. */
export function alignRange(from: number, to: number, resolution: Resolution): { from: number; to: number } {
  return { from: floorTo(from, resolution), to: ceilTo(to, resolution) };
}

/** The pieces covering [from, to) widened to whole minutes, coarsest first; empty when from >= to. */
export function splitRange(fromMs: number, toMs: number): RangePiece[] {
  if (!(fromMs < toMs)) return [];
  const { from, to } = alignRange(fromMs, toMs, 'minute');
  const pieces: RangePiece[] = [];
  const add = (resolution: Resolution, a: number, b: number) => {
    if (a < b) pieces.push({ resolution, from: a, to: b });
  };
  const hourFrom = ceilTo(from, 'hour');
  const hourTo = floorTo(to, 'hour');
  if (hourFrom >= hourTo) {
    add('minute', from, to);
    return pieces;
  }
  const dayFrom = ceilTo(hourFrom, 'day');
  const dayTo = floorTo(hourTo, 'day');
  if (dayFrom < dayTo) {
    add('day', dayFrom, dayTo);
    add('hour', hourFrom, dayFrom);
    add('hour', dayTo, hourTo);
  } else {
    add('hour', hourFrom, hourTo);
  }
  add('minute', from, hourFrom);
  add('minute', hourTo, to);
  return pieces;
}
