import type { Config } from '../config/schema.ts';
import type { GatewayService, ServiceDeps } from '../service.ts';
import { createHealthService } from './health/service.ts';
import { createHomeAssistantService } from './homeassistant/service.ts';
import { createDashboardService } from './dashboard/service.ts';
import { createDownlinkService } from './downlink/service.ts';
import { createFittingService } from './fitting/service.ts';
import { createLockerService } from './lockers/service.ts';
import { createPresenceService } from './presence/service.ts';
import { createAppIdentifier } from './privacy/app-identity.ts';
import { type Pseudonymiser, shopperPseudonymiser } from './privacy/pseudonym.ts';
import { createPrivacyService } from './privacy/service.ts';

/** one pseudonymiser per gateway: presence names shoppers with it, privacy derives an app id's pseudonyms with it */
const pseudonymisers = new WeakMap<ServiceDeps, Pseudonymiser>();
function pseudonymiserOf(config: Config, deps: ServiceDeps): Pseudonymiser {
  const known = pseudonymisers.get(deps);
  if (known) return known;
  const p = shopperPseudonymiser(config, deps.clock);
  pseudonymisers.set(deps, p);
  return p;
}

/**
 * Every capability, in start order. Each factory gets the shared deps and picks its own config section.
 * Add one line per capability here.
 */
export const SERVICE_FACTORIES: Array<(deps: ServiceDeps, config: Config) => GatewayService> = [
  (deps, config) => createPresenceService(deps, config.presence, { retention: config.retention, pseudonymise: pseudonymiserOf(config, deps).forBeacon }),
  (deps, config) =>
    createLockerService(
      deps,
      { ...config.lockers, auditDays: config.retention.lockerAuditDays },
      // session fusion: a phone unlock at the locker names the shopper as presence does (privacy/app-identity.ts)
      {
        identifyApp: createAppIdentifier({ pseudonymiser: pseudonymiserOf(config, deps), app: config.presence.shopperApp, clock: deps.clock }),
        language: config.language,
      },
    ),
  (deps, config) => createHealthService(deps, config.health, { alertsDays: config.retention.alertsDays }),
  (deps, config) => createDashboardService(deps, { ...config.dashboard, offlineAfterSeconds: config.health.offlineAfterSeconds }),
  (deps, config) => createFittingService(deps, config.fitting, { language: config.language }),
  // after the fitting room (which seeds the live catalog from its file) and the lockers (remote reclaim)
  (deps, config) => createDownlinkService(deps, config.downlink, { config }),
  (deps, config) =>
    createPrivacyService(deps, config.privacy, {
      retention: config.retention,
      dataDir: config.dataDir,
      pseudonymiser: pseudonymiserOf(config, deps),
      app: config.presence.shopperApp,
    }),
  (deps, config) =>
    createHomeAssistantService(
      deps,
      config.homeAssistant,
      config.presence.zones.map((z) => z.name),
    ),
];
