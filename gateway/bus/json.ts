import type { DomainEvent } from './events.ts';

const cache = new WeakMap<object, string>();

/**
 * `JSON.stringify(event.data)`, once per event: the store writes it, and the dashboard stream sends the same
 * text, so an ingested event is serialised once instead of three times. Throws like JSON.stringify (e.g. on
 * nesting too deep), and then caches nothing.
 */
export function dataJson(event: DomainEvent): string {
  let s = cache.get(event);
  if (s === undefined) {
    s = JSON.stringify(event.data) ?? 'null';
    cache.set(event, s);
  }
  return s;
}
