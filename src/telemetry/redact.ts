/**
 * Redaction, applied before anything reaches a sink or the spool: built-in rules (emails, phone
 * numbers, card numbers that pass the Luhn check, secrets), custom regexes, and JSON paths.
 * The `secrets` rule (bearer tokens, Gantry keys, provider keys, JWTs, private keys, values of
 * fields named like passwords and tokens) always applies: a route may add rules, never remove it.
 *
 * A Redactor is compiled once per route (from the call-log policy's options) and used off the hot
 * path, by the pipeline, when a record is prepared for storage.
 */
import { validationError } from '../core/errors.js';

export const BUILTIN_RULES = ['email', 'phone', 'card', 'secrets'] as const;
export type BuiltinRule = (typeof BUILTIN_RULES)[number];

export interface CustomPattern {
  pattern: string;
  /** Any of `i`, `m`, `s`, `u`; `g` is implied. */
  flags?: string;
  /** Default `[REDACTED]`. */
  replacement?: string;
}

export interface RedactOptions {
  /** Default: all. `secrets` applies even when not listed. */
  builtins?: readonly BuiltinRule[];
  patterns?: ReadonlyArray<string | CustomPattern>;
  /** `$.user.password`, `$.items[*].card`, `$..token`, `$['odd key'][0]`. */
  json_paths?: readonly string[];
}

export const REDACTED = '[REDACTED]';
const SECRET = '[REDACTED:secret]';

/** Field, parameter and header names whose values are secrets whatever they look like. */
const SENSITIVE_NAME =
  /^(?:password|passwd|pwd|pass|secret|client[-_]?secret|api[-_]?key|apikey|x[-_]api[-_]key|access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token|session[-_]?token|token|private[-_]?key|authorization|proxy[-_]authorization|credentials?|cookie|set[-_]cookie|session[-_]?id|sessionid|signature|x[-_]amz[-_]security[-_]token)$/i;

/** Headers never stored at all (the credential itself; no value, not even redacted). */
export const NEVER_STORED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'anthropic-api-key',
  'openai-api-key',
  'x-amz-security-token',
  'cookie',
  'set-cookie',
]);

/**
 * Secrets by shape, one alternation for a single pass: bearer/basic credentials, Gantry API keys and
 * admin tokens (gk_, gadm_), OpenAI/Anthropic/OpenRouter-style `sk-...`, Stripe, AWS access key ids,
 * Google API keys, GitHub, Slack, Groq, xAI, Hugging Face tokens, JWTs and PEM private keys.
 */
const SECRET_SHAPES = new RegExp(
  [
    String.raw`\bg(?:k|adm)_[A-Za-z0-9_-]{16,}`,
    String.raw`\bsk-[A-Za-z0-9_-]{16,}`,
    String.raw`\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
    String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`\bgsk_[A-Za-z0-9]{20,}`,
    String.raw`\bxai-[A-Za-z0-9]{20,}`,
    String.raw`\bhf_[A-Za-z0-9]{30,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
  ].join('|'),
  'g',
);
/** `Bearer <token>`, `Basic <credentials>`: the scheme is kept, the credential is not. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** `password=...`, `"api_key": "..."`, `token: ...` in free text (form bodies, cut JSON, logs). */
const SECRET_ASSIGNMENT = new RegExp(
  String.raw`(["']?\b(?:password|passwd|pwd|secret|client[-_]?secret|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token|token|private[-_]?key|authorization)\b["']?\s*[:=]\s*)(?!\[REDACTED|(?:Bearer|Basic|Token)\s)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&,;}"']+)`,
  'gi',
);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** International numbers written with `+`, and North American `(415) 555-2671` / `415-555-2671`. */
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w])/g;
/** 13 to 19 digits, optionally grouped by spaces or dashes; kept only when the Luhn check passes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

/** The Luhn checksum of a digit string (card numbers end with a check digit). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function redactCard(match: string): string {
  const digits = match.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? '[REDACTED:card]' : match;
}

type JsonPathSegment = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'any' } | { kind: 'descend'; name: string | null };

/** Parses the JSON path subset Gantry supports; throws a message on anything else. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  if (!path.startsWith('$')) throw new Error('must start with $');
  const segments: JsonPathSegment[] = [];
  let i = 1;
  const name = /^[A-Za-z_$][\w$-]*/;
  while (i < path.length) {
    const rest = path.slice(i);
    if (rest.startsWith('..')) {
      const m = rest.slice(2).startsWith('*') ? ['*'] : name.exec(rest.slice(2));
      if (!m) throw new Error(`expected a name after '..' at ${i}`);
      segments.push({ kind: 'descend', name: m[0] === '*' ? null : m[0] });
      i += 2 + m[0].length;
    } else if (rest.startsWith('.*')) {
      segments.push({ kind: 'any' });
      i += 2;
    } else if (rest.startsWith('.')) {
      const m = name.exec(rest.slice(1));
      if (!m) throw new Error(`expected a name after '.' at ${i}`);
      segments.push({ kind: 'key', name: m[0] });
      i += 1 + m[0].length;
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'any' });
      i += 3;
    } else {
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (index) {
        segments.push({ kind: 'index', index: Number(index[1]) });
        i += index[0].length;
      } else if (quoted) {
        segments.push({ kind: 'key', name: (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1') });
        i += quoted[0].length;
      } else {
        throw new Error(`unexpected '${rest[0]}' at ${i}`);
      }
    }
  }
  if (segments.length === 0) throw new Error('must name something inside the document, not $ itself');
  return segments;
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Replaces every value the path selects with REDACTED, in place. */
function applyPath(node: unknown, segments: readonly JsonPathSegment[], at: number): void {
  if (!isContainer(node)) return;
  const seg = segments[at]!;
  const last = at === segments.length - 1;
  const visit = (container: Container, key: string | number) => {
    const child = (container as Record<string | number, unknown>)[key];
    if (child === undefined) return;
    if (last) (container as Record<string | number, unknown>)[key] = REDACTED;
    else applyPath(child, segments, at + 1);
  };
  const keys = (c: Container): Array<string | number> => (Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c));
  switch (seg.kind) {
    case 'key':
      if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, seg.name)) visit(node, seg.name);
      break;
    case 'index':
      if (Array.isArray(node) && seg.index < node.length) visit(node, seg.index);
      break;
    case 'any':
      for (const k of keys(node)) visit(node, k);
      break;
    case 'descend': {
      // Every descendant container, this one included, then match the name (or anything) under it.
      const stack: Container[] = [node];
      while (stack.length > 0) {
        const c = stack.pop()!;
        for (const k of keys(c)) {
          const child = (c as Record<string | number, unknown>)[k];
          if (seg.name === null || k === seg.name) visit(c, k);
          const after = (c as Record<string | number, unknown>)[k];
          if (isContainer(after)) stack.push(after);
        }
      }
      break;
    }
  }
}

interface TextRule {
  regex: RegExp;
  replace: string | ((match: string, ...groups: string[]) => string);
}

export class Redactor {
  readonly #rules: TextRule[] = [];
  readonly #cards: boolean;
  readonly #paths: JsonPathSegment[][];

  private constructor(options: RedactOptions, paths: JsonPathSegment[][], custom: TextRule[]) {
    const builtins = new Set<BuiltinRule>(options.builtins ?? BUILTIN_RULES);
    this.#rules.push({ regex: AUTH_SCHEME, replace: `$1 ${SECRET}` });
    this.#rules.push({ regex: SECRET_SHAPES, replace: SECRET });
    this.#rules.push({ regex: SECRET_ASSIGNMENT, replace: (_m, key: string, value: string) => `${key}${value.startsWith('"') ? `"${SECRET}"` : SECRET}` });
    this.#cards = builtins.has('card');
    // Cards before phones, so a card number is never taken for a phone number.
    if (this.#cards) this.#rules.push({ regex: CARD_CANDIDATE, replace: redactCard });
    if (builtins.has('email')) this.#rules.push({ regex: EMAIL, replace: '[REDACTED:email]' });
    if (builtins.has('phone')) this.#rules.push({ regex: PHONE, replace: '[REDACTED:phone]' });
    this.#rules.push(...custom);
    this.#paths = paths;
  }

  /** Checks and compiles options; a GantryError GANTRY_ERR_VALIDATION names what is wrong. */
  static compile(options: RedactOptions = {}, where = '/redact'): Redactor {
    for (const [i, b] of (options.builtins ?? []).entries()) {
      if (!(BUILTIN_RULES as readonly string[]).includes(b)) {
        throw validationError(`Unknown redaction rule '${b}'`, [{ path: `${where}/builtins/${i}`, message: `one of ${BUILTIN_RULES.join(', ')}` }]);
      }
    }
    const custom: TextRule[] = (options.patterns ?? []).map((p, i) => {
      const spec = typeof p === 'string' ? { pattern: p } : p;
      const flags = spec.flags ?? '';
      if (!/^[imsu]*$/.test(flags)) {
        throw validationError('Pattern flags may only be i, m, s and u', [{ path: `${where}/patterns/${i}/flags`, message: 'only i, m, s, u' }]);
      }
      try {
        const regex = new RegExp(spec.pattern, `${flags}g`);
        if (regex.test('')) throw new Error('it matches the empty string');
        return { regex, replace: spec.replacement ?? REDACTED };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw validationError(`Redaction pattern ${i} is not usable: ${reason}`, [{ path: `${where}/patterns/${i}`, message: reason }]);
      }
    });
    const paths = (options.json_paths ?? []).map((path, i) => {
      try {
        return parseJsonPath(path);
      } catch (err) {
        const reason = `JSON path '${path}' ${(err as Error).message}`;
        throw validationError(reason, [{ path: `${where}/json_paths/${i}`, message: reason }]);
      }
    });
    return new Redactor(options, paths, custom);
  }

  get hasJsonPaths(): boolean {
    return this.#paths.length > 0;
  }

  /** Free text: secrets, cards, emails, phones, custom patterns, in that order. */
  text(input: string): string {
    let out = input;
    for (const rule of this.#rules) {
      rule.regex.lastIndex = 0;
      if (!rule.regex.test(out)) continue;
      rule.regex.lastIndex = 0;
      out = out.replace(rule.regex, rule.replace as string);
    }
    return out;
  }

  /**
   * A parsed JSON document, redacted in place and returned: JSON paths, values of sensitive field
   * names, text rules on every string (and card rules on long integers).
   */
  json(doc: unknown): unknown {
    const root = { $: doc };
    for (const path of this.#paths) applyPath(root.$, path, 0);
    return this.#walk(root.$);
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value === 'number') {
      return this.#cards && Number.isInteger(value) && value >= 1e12 && luhnValid(String(value)) ? '[REDACTED:card]' : value;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.#walk(value[i]);
      return value;
    }
    if (isContainer(value)) {
      const obj = value as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        obj[key] = SENSITIVE_NAME.test(key) && obj[key] !== null && obj[key] !== REDACTED ? REDACTED : this.#walk(obj[key]);
      }
    }
    return value;
  }

  /**
   * A query string (without `?`) or a form body: values of sensitive names replaced, the others
   * decoded, redacted and re-encoded when something changed. Untouched pairs keep their bytes.
   */
  query(query: string): string {
    if (query === '') return query;
    const pairs = query.split('&');
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i]!;
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      const name = safeDecode(rawName);
      if (eq === -1) {
        const redacted = this.text(name);
        if (redacted !== name) pairs[i] = encodeURIComponent(redacted);
        continue;
      }
      if (SENSITIVE_NAME.test(name)) {
        pairs[i] = `${rawName}=${encodeURIComponent(REDACTED)}`;
        continue;
      }
      const value = safeDecode(pair.slice(eq + 1));
      const redacted = this.text(value);
      if (redacted !== value) pairs[i] = `${rawName}=${encodeURIComponent(redacted)}`;
    }
    return pairs.join('&');
  }

  /** Headers to store: credentials dropped, sensitive names redacted, other values through text rules. */
  headers(headers: Readonly<Record<string, string | string[] | number | undefined>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [rawName, raw] of Object.entries(headers)) {
      if (raw === undefined) continue;
      const name = rawName.toLowerCase();
      if (NEVER_STORED_HEADERS.has(name)) continue;
      const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
      out[name] = SENSITIVE_NAME.test(name) || /(?:token|secret|signature|api[-_]?key|auth)/i.test(name) ? REDACTED : this.text(value);
    }
    return out;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Rules for what every call stores without a call-log policy: its query string. */
export const DEFAULT_REDACTOR = Redactor.compile();
