import type * as Ort from 'onnxruntime-node';

/**
 * onnxruntime-node, with its telemetry off. Since 1.30 the Linux build starts Microsoft's 1DS telemetry when it creates
 * its environment (at the first session) unless it sees a CI variable (`CI`, `GITHUB_ACTIONS`, …) or
 * `ORT_DISABLE_TELEMETRY`; that start reads `/proc/self/cmdline` and processes it
 * on the main thread with a recursion as deep as the command line is long (gdb: ~87,000 frames for 37 KB of arguments),
 * so `storegate recognize` with ~500 absolute paths overflows the 8 MB stack: SIGSEGV inside libonnxruntime before any
 * output. It would also send device data off a gateway whose frames and results must stay on
 * the device. The switch is read from the C environment when the ORT environment is created, so it is set here, before
 * the first session, and for everything in this process that loads onnxruntime (gateway, CLI, evaluation, bench).
 */
export async function loadOnnxRuntime(): Promise<typeof Ort> {
  disableOnnxRuntimeTelemetry();
  return import('onnxruntime-node');
}

export function disableOnnxRuntimeTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY = '1';
}
