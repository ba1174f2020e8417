import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import { onConfigPatched } from '../../config/live.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import type { RecognitionConfig } from './config.ts';
import { createModelOps } from './model-ops.ts';
import { modelOpsRoutes } from './model-routes.ts';
import { modelMigrations, slotsResolver } from './model-store.ts';
import { recognitionRoutes } from './routes.ts';
import { createRecognitionService, type RecognitionService } from './service.ts';

/**
 * Recognition as a gateway capability: one line in services/index.ts,
 * `(deps, config) => createRecognitionGatewayService(deps, config.recognition)`. Other capabilities (the
 * fitting room) reach the model through `recognition`, passed to them as an interface. Model ops (shadow, rollout,
 * promote, rollback) keep their state in the gateway's database and rolled-out files in `<dataDir>/models/`.
 */
export function createRecognitionGatewayService(
  deps: ServiceDeps,
  cfg: RecognitionConfig,
  /** main.ts creates it first (with `recognitionModels(...)` as its model resolver), so the fitting room gets it in its deps */
  recognition: RecognitionService = createRecognitionService({
    log: deps.log,
    metrics: deps.metrics,
    config: cfg,
    models: slotsResolver({ db: deps.db, config: cfg, log: deps.log }),
  }),
  opts: { dataDir: string } = { dataDir: '.' },
): GatewayService & { recognition: RecognitionService; ops: ReturnType<typeof createModelOps> } {
  let loading: Promise<void> | undefined;
  const ops = createModelOps(deps, cfg, { dataDir: opts.dataDir, recognition });
  // every rollout step and the shadow's agreement reach the cloud, whatever cloud.routes says
  deps.outbox.require([
    { match: 'recognition.model.*', priority: 'normal' },
    { match: 'recognition.shadow.agreement', priority: 'bulk' },
  ]);
  const staff = recognitionRoutes({ recognition, guard: deps.auth.requireStaff, maxBytes: cfg.maxBytes });
  const admin = modelOpsRoutes({ ops, guard: deps.auth.requireAdmin });
  return {
    name: 'recognition',
    recognition,
    ops,
    migrations: modelMigrations,
    ...(cfg.enabled
      ? {
          http: async (app) => {
            await app.register(staff);
            await app.register(admin);
          },
        }
      : {}),
    ready: () => !cfg.enabled || recognition.isReady(),
    async start() {
      if (!cfg.enabled) return;
      onConfigPatched<number>(deps.bus, 'recognition-config', 'recognition.unsureThreshold', (t) => recognition.setUnsureThreshold(t));
      await ops.start();
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
      deps.bus.off('recognition-config');
      await loading?.catch(() => {});
      await ops.stop();
      await recognition.stop();
    },
  };
}
