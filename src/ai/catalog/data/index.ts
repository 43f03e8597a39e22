/** Every model Gantry ships, one file per provider. */
import type { CatalogModel } from '../types.js';
import { models as anthropic } from './anthropic.js';
import { models as azureOpenai } from './azure-openai.js';
import { models as bedrockProfiles } from './bedrock-profiles.js';
import { models as bedrock } from './bedrock.js';
import { models as deepseek } from './deepseek.js';
import { models as fireworks } from './fireworks.js';
import { models as gemini } from './gemini.js';
import { models as groq } from './groq.js';
import { models as mistral } from './mistral.js';
import { models as openai } from './openai.js';
import { ollama, vllm } from './self-hosted.js';
import { models as together } from './together.js';
import { models as xai } from './xai.js';

export const shippedModels: readonly CatalogModel[] = [
  ...openai,
  ...azureOpenai,
  ...anthropic,
  ...gemini,
  ...bedrock,
  ...bedrockProfiles,
  ...mistral,
  ...deepseek,
  ...groq,
  ...together,
  ...fireworks,
  ...xai,
  ...ollama,
  ...vllm,
];
