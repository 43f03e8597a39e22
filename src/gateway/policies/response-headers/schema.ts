import type { Static } from '@sinclair/typebox';
import { headerTransformSchema } from '../shared/header-transform.js';

export const ResponseHeadersOptions = headerTransformSchema('response');
export type ResponseHeadersOptions = Static<typeof ResponseHeadersOptions>;
