import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type { Registry };

/** One registry per gateway instance (tests run several gateways in one process). */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** get-or-create so two modules asking for the same metric share it instead of throwing. */
export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return (registry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
export function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return (registry.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}
export function histogram(registry: Registry, name: string, help: string, labelNames: string[] = [], buckets?: number[]) {
  return (registry.getSingleMetric(name) as Histogram<string> | undefined) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
