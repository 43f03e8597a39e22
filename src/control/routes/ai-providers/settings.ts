/**
 * What a provider of each kind needs beyond the schema: the endpoint of kinds that have no public
 * one, Azure's api-version, Bedrock's region. Settings that belong to another kind are refused
 * rather than ignored, so a typo'd kind does not look configured.
 */
import { validationError, type ErrorDetail } from '../../../core/errors.js';
import type { ProviderKindName, ProviderSettings } from '../../../core/ai-model.js';

/** The parts of a provider that decide whether it is complete (after a PATCH: the merged result). */
export interface ProviderShape {
  kind: ProviderKindName;
  base_url?: string | null | undefined;
  settings?: ProviderSettings | undefined;
}

/** Kinds without a public endpoint, and what their base_url is. */
const BASE_URL_NEEDED: Partial<Record<ProviderKindName, string>> = {
  'azure-openai': 'the resource endpoint, e.g. https://my-resource.openai.azure.com',
  vllm: "the vLLM server's OpenAI-compatible API URL",
  'openai-compatible': "the server's OpenAI-compatible API URL",
};

interface Requirement {
  path: string;
  /** Says what to add. */
  add: string;
}

function missing(shape: ProviderShape): Requirement[] {
  const out: Requirement[] = [];
  const baseUrl = BASE_URL_NEEDED[shape.kind];
  if (baseUrl !== undefined && !shape.base_url) out.push({ path: '/base_url', add: `base_url (${baseUrl})` });
  if (shape.kind === 'azure-openai' && shape.settings?.api_version === undefined) {
    out.push({ path: '/settings/api_version', add: 'settings.api_version (the api-version to call, e.g. 2024-10-21)' });
  }
  if (shape.kind === 'bedrock' && shape.settings?.region === undefined) {
    out.push({ path: '/settings/region', add: 'settings.region (the AWS region, e.g. us-east-1)' });
  }
  return out;
}

function misplaced(shape: ProviderShape): ErrorDetail[] {
  const settings = shape.settings ?? {};
  const out: ErrorDetail[] = [];
  const only = (field: keyof ProviderSettings, kind: ProviderKindName) => {
    if (settings[field] !== undefined && shape.kind !== kind) {
      out.push({ path: `/settings/${field}`, message: `applies to kind ${kind} only; remove it` });
    }
  };
  only('api_version', 'azure-openai');
  only('deployments', 'azure-openai');
  only('region', 'bedrock');
  return out;
}

/** Throws GANTRY_ERR_VALIDATION saying what to add (or remove) for the provider's kind. */
export function checkProviderSettings(shape: ProviderShape): void {
  const needs = missing(shape);
  const wrong = misplaced(shape);
  if (needs.length === 0 && wrong.length === 0) return;
  const details: ErrorDetail[] = [
    ...needs.map((r) => ({ path: r.path, message: `is required for kind ${shape.kind}; add ${r.add}` })),
    ...wrong,
  ];
  const message =
    needs.length > 0
      ? `A ${shape.kind} provider needs ${needs.map((r) => r.add).join(' and ')}`
      : `settings.${(wrong[0]?.path ?? '').split('/').pop() ?? ''} does not apply to a ${shape.kind} provider; remove it`;
  throw validationError(message, details);
}
