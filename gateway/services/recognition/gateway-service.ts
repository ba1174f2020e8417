import type { GatewayService, ServiceDeps } from '../../service.ts';
import type { RecognitionConfig } from './config.ts';
import { recognitionRoutes } from './routes.ts';
import { createRecognitionService, type RecognitionService } from './service.ts';

/**
 * Recognition as a gateway capability: one line in services/index.ts,
 * `(deps, config) => createRecognitionGatewayService(deps, config.recognition)`. Other capabilities (the
 * fitting room) reach the model through `recognition`, passed to them as an interface.
 */
export function createRecognitionGatewayService(
  deps: ServiceDeps,
  cfg: RecognitionConfig,
  /** main.ts creates it first, so the fitting room gets it in its deps */
  recognition: RecognitionService = createRecognitionService({ log: deps.log, metrics: deps.metrics, config: cfg }),
): GatewayService & { recognition: RecognitionService } {
  return {
    name: 'recognition',
    recognition,
    ...(cfg.enabled ? { http: recognitionRoutes({ recognition, guard: deps.auth.requireStaff, maxBytes: cfg.maxBytes }) } : {}),
    ready: () => !cfg.enabled || recognition.isReady(),
    async start() {
      if (cfg.enabled) await recognition.start();
    },
    stop: () => recognition.stop(),
  };
}
