import { counter, gauge, type Registry } from '../../metrics.ts';

export function outboxMetrics(registry: Registry) {
  return {
    backlogEvents: gauge(registry, 'storegate_outbox_backlog_events', 'Events waiting in the outbox', ['class']),
    backlogBytes: gauge(registry, 'storegate_outbox_backlog_bytes', 'Bytes of events waiting in the outbox', ['class']),
    oldestAge: gauge(registry, 'storegate_outbox_oldest_age_seconds', 'Age of the oldest event waiting in the outbox'),
    pending: gauge(registry, 'storegate_outbox_pending_events', 'Events a forwarder still has to deliver', ['forwarder']),
    sent: counter(registry, 'storegate_outbox_sent_events_total', 'Events acknowledged by the cloud', ['forwarder']),
    failures: counter(registry, 'storegate_outbox_send_failures_total', 'Failed send attempts', ['forwarder']),
    deadLetters: counter(registry, 'storegate_outbox_dead_letters_total', 'Events refused by the cloud and dead-lettered', ['forwarder']),
    dropped: counter(registry, 'storegate_outbox_dropped_events_total', 'Events dropped before delivery', ['class', 'reason']),
    state: gauge(registry, 'storegate_outbox_forwarder_state', '1 for the current circuit state of a forwarder', ['forwarder', 'state']),
    downSince: gauge(registry, 'storegate_outbox_forwarder_down_since_seconds', 'Unix time the current outage began; 0 while up', ['forwarder']),
  };
}

export type OutboxMetrics = ReturnType<typeof outboxMetrics>;
