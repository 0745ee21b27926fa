/**
 * ONNX Runtime (onnxruntime-node 1.29+) records telemetry events in ~/.cache/Microsoft and tries to
 * send them to Microsoft unless ORT_DISABLE_TELEMETRY=1 is in the environment when the runtime loads.
 * A self-hosted service must not do that behind its operator's back, so this module, imported before
 * `onnxruntime-node` by every module that loads it, turns it off unless the operator set the variable
 * (ORT_DISABLE_TELEMETRY=0 keeps Microsoft's default). Worker threads inherit it.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';

export const ortTelemetryDisabled = (): boolean => process.env.ORT_DISABLE_TELEMETRY !== '0';
