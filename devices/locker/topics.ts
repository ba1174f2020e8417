import { deviceTopic } from '../topics.ts';

export const LOCKER_KIND = 'locker';
export const LOCKER_CHANNELS = { event: 'event', keypad: 'keypad', state: 'state', status: 'status', cmd: 'cmd' } as const;
export type LockerChannel = (typeof LOCKER_CHANNELS)[keyof typeof LOCKER_CHANNELS];

/** `storegate/<storeId>/locker/<controllerId>/<channel>` */
export const lockerTopic = (storeId: string, controllerId: string, channel: LockerChannel) =>
  deviceTopic({ storeId, kind: LOCKER_KIND, deviceId: controllerId, channel });
