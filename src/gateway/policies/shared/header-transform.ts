/**
 * Options and compilation shared by request-headers and response-headers: `set` replaces,
 * `add` appends another value, `remove` deletes. Names must be tokens, values free of CR/LF/NUL;
 * hop-by-hop headers, Host and Content-Length are refused (the proxy owns them).
 */
import { Type, type Static } from '@sinclair/typebox';
import { validationError, type ErrorDetail } from '../../../core/errors.js';
import { PROTECTED_HEADERS, TOKEN } from '../../headers.js';

const Value = Type.String({ maxLength: 8192 });

export function headerTransformSchema(direction: 'request' | 'response') {
  const where = direction === 'request' ? 'the request sent upstream' : 'the response sent to the client';
  return Type.Object(
    {
      set: Type.Record(Type.String(), Value, {
        default: {},
        description: `Headers to set on ${where}, replacing any value they had.`,
      }),
      add: Type.Record(Type.String(), Value, {
        default: {},
        description: `Headers to add to ${where}, keeping existing values.`,
      }),
      remove: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        default: [],
        maxItems: 200,
        description: `Header names to remove from ${where}.`,
      }),
    },
    { additionalProperties: false, description: `Set, add or remove headers of ${where}.` },
  );
}
const RequestShape = headerTransformSchema('request');
export type HeaderTransformOptions = Static<typeof RequestShape>;

export interface CompiledHeaderTransform {
  /** Lower-case names to remove (removed names and set names). */
  drop: string[] | null;
  /** Flat name/value pairs to append. */
  extra: string[] | null;
}

const BAD_VALUE = /[\r\n\0]/;

function checkName(name: string, path: string, details: ErrorDetail[]): string {
  const lower = name.toLowerCase();
  if (!TOKEN.test(name)) details.push({ path, message: `"${name}" is not a valid header name` });
  else if (PROTECTED_HEADERS.has(lower)) {
    details.push({ path, message: `${lower} cannot be changed by a policy: the gateway manages hop-by-hop, Host and Content-Length headers` });
  }
  return lower;
}

export function compileHeaderTransform(options: HeaderTransformOptions): CompiledHeaderTransform {
  const details: ErrorDetail[] = [];
  const drop = new Set<string>();
  const extra: string[] = [];
  options.remove.forEach((name, i) => drop.add(checkName(name, `/remove/${i}`, details)));
  for (const [field, entries] of [['set', options.set], ['add', options.add]] as const) {
    for (const [name, value] of Object.entries(entries)) {
      const lower = checkName(name, `/${field}/${name}`, details);
      if (BAD_VALUE.test(value)) details.push({ path: `/${field}/${name}`, message: 'header values cannot contain CR, LF or NUL' });
      if (field === 'set') drop.add(lower);
      extra.push(lower, value);
    }
  }
  if (details.length !== 0) throw validationError(`Invalid header transform: ${details.map((d) => d.message).join('; ')}`, details);
  return { drop: drop.size === 0 ? null : [...drop], extra: extra.length === 0 ? null : extra };
}
