/**
 * ip-restriction: deny wins; with an allow list, anything not allowed is denied (403).
 * Ranges are parsed once into masks; the client address is the peer's, or the first
 * X-Forwarded-For entry when the node trusts its proxy.
 */
import { GantryError, validationError, type ErrorDetail } from '../../../core/errors.js';
import type { RequestContext } from '../../context.js';
import { CidrSet, parseCidr } from '../../net/cidr.js';
import type { PolicyDefinition } from '../types.js';
import { IpRestrictionOptions } from './schema.js';

function compileList(list: readonly string[], field: string, details: ErrorDetail[]): CidrSet {
  const set = new CidrSet();
  list.forEach((text, i) => {
    const parsed = parseCidr(text.trim());
    if (parsed === null) details.push({ path: `/${field}/${i}`, message: `"${text}" is not a valid IP address or CIDR range` });
    else set.add(parsed);
  });
  return set;
}

export const ipRestrictionPolicy: PolicyDefinition<typeof IpRestrictionOptions, RequestContext> = {
  type: 'ip-restriction',
  description: 'Allow or deny clients by IP address or CIDR range (IPv4 and IPv6).',
  schema: IpRestrictionOptions,
  priority: 100,
  phases: ['access'],
  create(options) {
    const details: ErrorDetail[] = [];
    const allow = compileList(options.allow, 'allow', details);
    const deny = compileList(options.deny, 'deny', details);
    if (details.length !== 0) throw validationError(`Invalid ip-restriction ranges: ${details.map((d) => d.message).join('; ')}`, details);
    if (allow.size === 0 && deny.size === 0) {
      throw validationError('ip-restriction needs at least one address in allow or deny', [
        { path: '/allow', message: 'allow and deny are both empty' },
      ]);
    }
    const hasAllow = allow.size !== 0;
    const hasDeny = deny.size !== 0;

    function ipRestriction(ctx: RequestContext): void {
      const ip = ctx.clientIp;
      if ((hasDeny && deny.contains(ip)) || (hasAllow && !allow.contains(ip))) {
        throw new GantryError('GANTRY_ERR_IP_DENIED');
      }
    }
    return { access: ipRestriction };
  },
};
