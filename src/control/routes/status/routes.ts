import type { FastifyInstance } from 'fastify';
import type { ControlContext } from '../../context.js';
import { presentStatus } from './present.js';
import { getStatusSchema } from './schema.js';

export function statusRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get('/status', { schema: getStatusSchema }, async () =>
    presentStatus(ctx.nodeInfo, await ctx.store.getConfigVersion()),
  );
}
