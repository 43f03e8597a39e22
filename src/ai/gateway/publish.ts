/**
 * The AI handler's events (STYLE.md rule 8): `gantry:ai-call` once per AI call, when it ends, and
 * `gantry:ai-key-status` when a provider refuses a key. Built only when someone listens; a throwing
 * subscriber is logged, never allowed to reach the request.
 */
import type { Logger } from '../../gateway/runtime.js';
import { aiCallChannel, aiKeyStatusChannel, type AiCallEvent, type AiKeyStatusEvent } from '../events.js';

export function publishAiCall(build: () => AiCallEvent, logger: Logger): void {
  if (!aiCallChannel.hasSubscribers) return;
  try {
    aiCallChannel.publish(build());
  } catch (err) {
    logger.error({ err }, 'gantry:ai-call subscriber threw');
  }
}

export function publishKeyStatus(event: AiKeyStatusEvent, logger: Logger): void {
  logger.warn({ keyId: event.keyId, providerId: event.providerId, reason: event.reason }, 'AI provider refused a key; it is not used until it changes');
  if (!aiKeyStatusChannel.hasSubscribers) return;
  try {
    aiKeyStatusChannel.publish(event);
  } catch (err) {
    logger.error({ err }, 'gantry:ai-key-status subscriber threw');
  }
}
