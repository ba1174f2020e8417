import { deviceTopic } from '../topics.ts';

/** Fitting-room smart mirrors: device kind and channels (`storegate/<store>/mirror/<id>/<channel>`). */
export const MIRROR_KIND = 'mirror';
export const MIRROR_CHANNELS = { frame: 'frame', presence: 'presence', interaction: 'interaction', cmd: 'cmd' } as const;
export type MirrorChannel = (typeof MIRROR_CHANNELS)[keyof typeof MIRROR_CHANNELS];

export const mirrorTopic = (storeId: string, mirrorId: string, channel: MirrorChannel) =>
  deviceTopic({ storeId, kind: MIRROR_KIND, deviceId: mirrorId, channel });

/** Frames above this are refused before decoding (MQTT and HTTP alike). */
export const MIRROR_MAX_FRAME_BYTES = 8 * 1024 * 1024;
