/**
 * Target selection. Round robin is nginx's smooth weighted round robin (deterministic, spreads a
 * heavy target's turns evenly); least-connections picks the lowest in-flight/weight ratio, ties
 * going round robin. Weight 0 drains a target; unavailable (unhealthy) targets are skipped.
 */
import type { CompiledUpstream, UpstreamTarget } from '../snapshot/types.js';

/**
 * Index of the target to use, or -1 when none is available. `tried` is a bit set of target
 * indexes to avoid (retries); when avoiding them leaves nothing, they are allowed again.
 */
export function pickTarget(upstream: CompiledUpstream, tried: number): number {
  const targets = upstream.targets;
  if (targets.length === 1) {
    const only = targets[0];
    return only.weight > 0 && only.state.isAvailable() ? 0 : -1;
  }
  const picked =
    upstream.algorithm === 'least-connections' ? leastConnections(upstream, tried) : smoothWeighted(targets, tried);
  if (picked === -1 && tried !== 0) {
    return upstream.algorithm === 'least-connections' ? leastConnections(upstream, 0) : smoothWeighted(targets, 0);
  }
  return picked;
}

function isTried(tried: number, index: number): boolean {
  return index < 31 && (tried & (1 << index)) !== 0;
}

function smoothWeighted(targets: UpstreamTarget[], tried: number): number {
  let total = 0;
  let best = -1;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t.weight === 0 || isTried(tried, i) || !t.state.isAvailable()) continue;
    t.current += t.weight;
    total += t.weight;
    if (best === -1 || t.current > targets[best].current) best = i;
  }
  if (best !== -1) targets[best].current -= total;
  return best;
}

function leastConnections(upstream: CompiledUpstream, tried: number): number {
  const targets = upstream.targets;
  const n = targets.length;
  const start = upstream.cursor++ % n;
  if (upstream.cursor > 0x3fffffff) upstream.cursor = 0;
  let best = -1;
  let bestLoad = Infinity;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    const t = targets[i];
    if (t.weight === 0 || isTried(tried, i) || !t.state.isAvailable()) continue;
    const load = t.state.inflight / t.weight;
    if (load < bestLoad) {
      bestLoad = load;
      best = i;
    }
  }
  return best;
}

export function markTried(tried: number, index: number): number {
  return index < 31 ? tried | (1 << index) : tried;
}
