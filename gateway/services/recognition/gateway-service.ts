import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
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
  let loading: Promise<void> | undefined;
  return {
    name: 'recognition',
    recognition,
    ...(cfg.enabled ? { http: recognitionRoutes({ recognition, guard: deps.auth.requireStaff, maxBytes: cfg.maxBytes }) } : {}),
    ready: () => !cfg.enabled || recognition.isReady(),
    async start() {
      if (!cfg.enabled) return;
      // a store without mirrors does not pay for the recognition stack at start; the first frame loads it
      const mirrors = await deps.db.get<{ n: number }>('SELECT count(*) AS n FROM devices WHERE kind = ? AND enabled = 1', [MIRROR_KIND]);
      if (cfg.load === 'start' || (mirrors?.n ?? 0) > 0) {
        // onnxruntime, sharp and the model load while the other capabilities and HTTP start (ready() waits for it)
        loading = recognition.start();
        loading.catch(() => {}); // reported by started(), which the gateway's start awaits
        return;
      }
      recognition.startOnDemand();
      deps.log.child({ module: 'recognition' }).info('no mirror registered: the model loads with the first frame');
    },
    started: () => loading ?? Promise.resolve(),
    async stop() {
      await loading?.catch(() => {});
      await recognition.stop();
    },
  };
}
