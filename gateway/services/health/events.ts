import { gatewaySource } from '../../../devices/topics.ts';
/**
 * Alerts on the bus: one shape for every capability (lockers emit the same two types with the same data).
 * `key` names the cause (`device:lk-01:offline`, `store:network`, `locker:A3:jam`): at most one alert per key
 * is open at a time. The health service persists every `alert.raised` / `alert.resolved` it sees, whoever
 * emitted it; the outbox forwards them to the cloud as `storegate.alert.raised` / `storegate.alert.resolved`.
 */
export type { AlertData } from '../../bus/events.ts';

export const GATEWAY_DEVICE = 'gateway';
export const healthSource = (storeId: string) => gatewaySource(storeId, 'health');
