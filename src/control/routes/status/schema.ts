import { Type } from '@sinclair/typebox';
import { routeSchema } from '../common/schema.js';

export const StatusView = Type.Object({
  node_id: Type.String(),
  version: Type.String({ description: 'Gantry version of this node.' }),
  config_version: Type.Integer({ description: "The store's configuration version." }),
  data_plane_config_version: Type.Optional(
    Type.Integer({ description: 'The configuration version the data plane of this node is serving, when it runs one.' }),
  ),
});

export const getStatusSchema = routeSchema({
  tags: ['status'],
  summary: 'Node and configuration status',
  response: { 200: StatusView },
});
