/** Provider descriptors, keys and the requests they receive (STYLE.md rule 3: providers are data). */
export { DESCRIPTORS, descriptorOf, DEFAULT_AWS_REGION, ANTHROPIC_VERSION } from './descriptors.js';
export type { ProviderDescriptor, WireProtocol, AuthStyle, QuirkName } from './descriptors.js';
export { AiKeyState, AiKeyStates, groupKeys, pickKey, type ProviderKey, type KeyGroup } from './keys.js';
export type { CompiledProvider } from './compiled.js';
export { buildUpstreamRequest, isReservedHeader, type ProviderCall, type UpstreamRequest } from './request.js';
