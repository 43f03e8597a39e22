/**
 * JSON Schema (as OpenAI tools and `json_schema` carry it) → the OpenAPI 3.0 subset Gemini's
 * `Schema` accepts. Gemini answers 400 to keywords outside it (`additionalProperties`, `$schema`,
 * `$ref`, `oneOf`, ...), so the conversion keeps a whitelist instead of stripping a blacklist:
 *   - local `$ref`s (`#/$defs/X`, `#/definitions/X`) are inlined; a recursive one becomes a bare
 *     `{type: object}` (Gemini schemas cannot recurse);
 *   - `type: [T, "null"]` and `anyOf: [..., {type: null}]` become `nullable: true`;
 *   - `oneOf` → `anyOf`, a one-member `allOf` is inlined (more members are merged shallowly);
 *   - `const` → a one-value `enum`; `enum` values become strings (Gemini's enum is string-only);
 *   - `required` keeps only names that are in `properties` (Gemini rejects the others);
 *   - a tuple `items: [...]` keeps its first member's schema; `examples[0]` → `example`.
 */
import type { GeminiSchema } from './types.js';

type Json = Record<string, unknown>;

const COPY = [
  'format',
  'title',
  'description',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'example',
  'propertyOrdering',
] as const;

const MAX_DEPTH = 32;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveRef(root: Json, ref: string): Json | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return isObject(node) ? node : undefined;
}

/** `allOf` members merged into one schema (properties and required lists united). */
function mergeAllOf(node: Json, members: unknown[]): Json {
  const { allOf: _drop, ...rest } = node;
  const out: Json = { ...rest };
  for (const m of members) {
    if (!isObject(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (k === 'properties' && isObject(v)) out.properties = { ...(isObject(out.properties) ? out.properties : {}), ...v };
      else if (k === 'required' && Array.isArray(v)) out.required = [...(Array.isArray(out.required) ? out.required : []), ...v];
      else if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

function convert(input: unknown, root: Json, refs: string[], depth: number): GeminiSchema {
  if (!isObject(input) || depth > MAX_DEPTH) return {};
  let node = input;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    const target = refs.includes(ref) ? undefined : resolveRef(root, ref);
    if (!target) return { type: 'object', ...(typeof node.description === 'string' ? { description: node.description } : {}) };
    const { $ref: _ref, ...siblings } = node;
    return convert({ ...target, ...siblings }, root, [...refs, ref], depth + 1);
  }
  if (Array.isArray(node.allOf)) {
    node = mergeAllOf(node, node.allOf);
    return convert(node, root, refs, depth + 1);
  }

  const out: GeminiSchema = {};
  for (const key of COPY) {
    if (node[key] !== undefined) (out as Json)[key] = node[key];
  }
  if (out.example === undefined && Array.isArray(node.examples) && node.examples.length > 0) out.example = node.examples[0];
  if (node.nullable === true) out.nullable = true;

  if (typeof node.type === 'string') {
    if (node.type === 'null') out.nullable = true;
    else out.type = node.type;
  } else if (Array.isArray(node.type)) {
    const types = node.type.filter((t): t is string => typeof t === 'string' && t !== 'null');
    if (types.length < node.type.length) out.nullable = true;
    if (types.length === 1) out.type = types[0];
    else if (types.length > 1) out.anyOf = types.map((type) => ({ type }));
  }

  const union = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (union) {
    const members: GeminiSchema[] = [];
    for (const m of union) {
      if (isObject(m) && m.type === 'null' && Object.keys(m).length === 1) out.nullable = true;
      else members.push(convert(m, root, refs, depth + 1));
    }
    if (members.length === 1) {
      const only = members[0];
      for (const [k, v] of Object.entries(only)) if ((out as Json)[k] === undefined) (out as Json)[k] = v;
    } else if (members.length > 1) out.anyOf = members;
  }

  const values = node.const !== undefined ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (values) {
    if (values.includes(null)) out.nullable = true;
    const strings = values.filter((v) => v !== null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    if (strings.length > 0) {
      out.enum = strings;
      if (out.type === undefined) out.type = 'string';
    }
  }

  if (isObject(node.properties)) {
    const props: Record<string, GeminiSchema> = {};
    for (const [name, schema] of Object.entries(node.properties)) props[name] = convert(schema, root, refs, depth + 1);
    out.properties = props;
    if (out.type === undefined) out.type = 'object';
    if (Array.isArray(node.required)) {
      const required = [...new Set(node.required.filter((r): r is string => typeof r === 'string' && r in props))];
      if (required.length > 0) out.required = required;
    }
  }
  if (node.items !== undefined) {
    const items = Array.isArray(node.items) ? node.items[0] : node.items;
    if (items !== undefined) out.items = convert(items, root, refs, depth + 1);
    if (out.type === undefined) out.type = 'array';
  }
  return out;
}

/** A JSON Schema converted to Gemini's subset (see the file comment). Never throws. */
export function toGeminiSchema(schema: unknown): GeminiSchema {
  return isObject(schema) ? convert(schema, schema, [], 0) : {};
}

/**
 * Function parameters for a declaration, or undefined when the function takes none: Gemini
 * rejects an OBJECT schema whose `properties` is empty ("should be non-empty for OBJECT type").
 */
export function toGeminiParameters(schema: unknown): GeminiSchema | undefined {
  if (!isObject(schema)) return undefined;
  const out = toGeminiSchema(schema);
  if (out.type === 'object' && (out.properties === undefined || Object.keys(out.properties).length === 0)) return undefined;
  return out;
}
