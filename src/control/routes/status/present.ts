import type { Static } from '@sinclair/typebox';
import type { NodeInfo } from '../../context.js';
import type { StatusView } from './schema.js';

export function presentStatus(node: NodeInfo, configVersion: number): Static<typeof StatusView> {
  const status: Static<typeof StatusView> = { node_id: node.nodeId, version: node.version, config_version: configVersion };
  if (node.dataPlaneVersion) status.data_plane_config_version = node.dataPlaneVersion();
  return status;
}
