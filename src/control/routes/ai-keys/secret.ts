/**
 * What of a provider key is stored (sealed, bound to the key id) and what is shown of it (a hint).
 */
import { validationError } from '../../../core/errors.js';
import type { AiProviderKeyCreate, AwsCredentials, ProviderKindName } from '../../../core/ai-model.js';
import type { SecretBox } from '../../../core/secrets.js';

export interface KeyMaterial {
  /** What is sealed: the API key, or the AWS credentials as JSON. */
  plaintext: string;
  hint: string;
}

const HINT_CHARS = 6;

/** The first characters of a key; fewer for short keys, so a hint never gives most of one away. */
export function secretHintOf(secret: string): string {
  return `${secret.slice(0, Math.min(HINT_CHARS, Math.floor(secret.length / 4)))}…`;
}

/** The access key id is an identifier, not the secret; its last four are what AWS consoles show. */
export function awsHintOf(aws: AwsCredentials): string {
  return `…${aws.access_key_id.slice(-4)}`;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

function checkSecretText(value: string, path: string): void {
  if (value.trim() !== value) {
    throw validationError(`${path.slice(1)} starts or ends with whitespace; send the key exactly`, [
      { path, message: 'must not start or end with whitespace' },
    ]);
  }
  if (CONTROL.test(value)) {
    throw validationError(`${path.slice(1)} contains a control character`, [
      { path, message: 'must not contain control characters' },
    ]);
  }
}

/** Bedrock signs with AWS credentials; every other kind sends an API key. Exactly one must be given. */
export function keyMaterial(kind: ProviderKindName, body: AiProviderKeyCreate): KeyMaterial {
  if (kind === 'bedrock') {
    if (body.secret !== undefined) {
      throw validationError('A bedrock provider signs requests with AWS credentials: send aws instead of secret', [
        { path: '/secret', message: 'is not used by kind bedrock; send aws { access_key_id, secret_access_key } instead' },
      ]);
    }
    if (body.aws === undefined) {
      throw validationError('A bedrock key needs aws { access_key_id, secret_access_key }', [
        { path: '/aws', message: 'is required for kind bedrock' },
      ]);
    }
    checkSecretText(body.aws.access_key_id, '/aws/access_key_id');
    checkSecretText(body.aws.secret_access_key, '/aws/secret_access_key');
    if (body.aws.session_token !== undefined) checkSecretText(body.aws.session_token, '/aws/session_token');
    return { plaintext: JSON.stringify(body.aws), hint: awsHintOf(body.aws) };
  }
  if (body.aws !== undefined) {
    throw validationError(`aws credentials are for bedrock providers; send the ${kind} API key as secret`, [
      { path: '/aws', message: `is only used by kind bedrock; send secret for kind ${kind}` },
    ]);
  }
  if (body.secret === undefined) {
    throw validationError(`A ${kind} key needs secret, the API key`, [{ path: '/secret', message: 'is required' }]);
  }
  checkSecretText(body.secret, '/secret');
  return { plaintext: body.secret, hint: secretHintOf(body.secret) };
}

/** Sealed with the key id as additional data, so the value opens only in its own row. */
export function sealKey(box: SecretBox, keyId: string, material: KeyMaterial): string {
  return box.seal(material.plaintext, keyId);
}
