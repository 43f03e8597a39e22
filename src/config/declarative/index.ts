export { applyConfig, parseConfigFile, type ApplyResult } from './apply.js';
export { exportConfig, exportConfigYaml } from './export.js';
export { formatPlan, type Change } from './plan.js';
export { DeclConfig } from './schema.js';
