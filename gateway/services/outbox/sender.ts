import type { OutboxItem } from './repository.ts';

export interface SendResult {
  /** delivered and acknowledged by the cloud: removed from this forwarder's queue */
  acked: OutboxItem[];
  /** refused for good (a 4xx other than 408/429): dead-lettered with the reason */
  poison: { item: OutboxItem; reason: string }[];
  /** the rest of the batch could not be delivered now; retry after a backoff (or `afterMs`, from Retry-After) */
  retry?: { reason: string; afterMs?: number };
}

/** One transport to the cloud. `send` never throws: every outcome is in the result. */
export interface Sender {
  send(items: OutboxItem[]): Promise<SendResult>;
  close(): Promise<void>;
}
