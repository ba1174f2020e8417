import type { Priority } from '../../store/outbox.ts';

/** Raised once when the disk budget first makes the outbox drop events; again only after it recovered. */
export interface OutboxBudgetAlert {
  severity: 'warning';
  message: string;
  maxBytes: number;
  maxEvents: number;
  events: number;
  bytes: number;
  dropped: Record<Priority, number>;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'alert.outbox.budget-exceeded': OutboxBudgetAlert;
  }
}
