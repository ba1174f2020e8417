import { deviceTopic } from '../topics.ts';

/** UHF RFID readers (EPC Gen2) in fitting rooms: device kind and channel (`storegate/<store>/rfid-reader/<id>/reads`). */
export const RFID_READER_KIND = 'rfid-reader';
export const RFID_CHANNELS = { reads: 'reads', cmd: 'cmd' } as const;

export const rfidTopic = (storeId: string, readerId: string) =>
  deviceTopic({ storeId, kind: RFID_READER_KIND, deviceId: readerId, channel: RFID_CHANNELS.reads });

/** the most reads one message may carry (Zebra's IoT connector caps a message at 6 KiB, ~40 reads; Impinj batches are smaller) */
export const RFID_MAX_READS = 500;
