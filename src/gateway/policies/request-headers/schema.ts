import type { Static } from '@sinclair/typebox';
import { headerTransformSchema } from '../shared/header-transform.js';

export const RequestHeadersOptions = headerTransformSchema('request');
export type RequestHeadersOptions = Static<typeof RequestHeadersOptions>;
