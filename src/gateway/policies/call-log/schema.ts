/** Options of the `call-log` policy: the telemetry's CallLogOptions (one schema, two users). */
export { CallLogOptions } from '../../../telemetry/capture.js';
