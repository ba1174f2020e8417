import { ConfigSchema } from './schema.ts';

/** What a masked secret prints as. */
export const MASK = '********';

type Node = Record<string, unknown>;
const isNode = (s: unknown): s is Node => typeof s === 'object' && s !== null && !Array.isArray(s);

/** A schema node and, for a union (anyOf/oneOf/allOf), every branch: a value may match any of them. */
function branches(s: unknown): Node[] {
  if (!isNode(s)) return [];
  const subs = ['anyOf', 'oneOf', 'allOf'].flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]) : []));
  return [s, ...subs.flatMap(branches)];
}

const isSecret = (nodes: Node[]) => nodes.some((n) => n['x-secret'] === true);

/** The schemas a property may be checked against: its own, any matching patternProperties, additionalProperties. */
function propertyNodes(nodes: Node[], key: string): Node[] {
  return nodes.flatMap((n) => {
    const found: unknown[] = [];
    if (isNode(n.properties) && Object.hasOwn(n.properties, key)) found.push(n.properties[key]);
    if (isNode(n.patternProperties)) {
      for (const [pattern, s] of Object.entries(n.patternProperties)) if (new RegExp(pattern).test(key)) found.push(s);
    }
    if (isNode(n.additionalProperties)) found.push(n.additionalProperties);
    return found.flatMap(branches);
  });
}

function itemNodes(nodes: Node[], index: number): Node[] {
  return nodes.flatMap((n) => {
    const prefix = Array.isArray(n.prefixItems) ? (n.prefixItems as unknown[])[index] : undefined;
    return branches(prefix ?? n.items);
  });
}

/**
 * A safety net under the schema: a string under a key named like a secret is treated as one even when its
 * schema forgot `x-secret` (paths such as `keyFile` and public keys are not secrets).
 */
const namedLikeSecret = (key: string) => /password|secret|token|salt|(?<!public)key$/i.test(key) && !/file$/i.test(key);

/** `mqtt://user:pass@host` → `mqtt://user:********@host`: a password in a URL is a secret wherever the URL is. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, `$1${MASK}@`);
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]+)@/i;

/** Walks a value with its schema; every value at a secret node (or under a secret-like name) goes through `onSecret`. */
function walk(value: unknown, nodes: Node[], key: string, onSecret: (v: unknown) => unknown, onString: (s: string) => string): unknown {
  if (value === undefined || value === null) return value;
  if (isSecret(nodes) || (typeof value === 'string' && namedLikeSecret(key))) return onSecret(value);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, itemNodes(nodes, i), key, onSecret, onString));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, propertyNodes(nodes, k), k, onSecret, onString)]));
  }
  return typeof value === 'string' ? onString(value) : value;
}

/**
 * A copy for printing or logging: every value whose schema node is marked `x-secret` (found through
 * objects, records, arrays and unions) is replaced by MASK, and so is the password of any URL.
 */
export function maskSecrets(value: unknown, schema: unknown = ConfigSchema): unknown {
  return walk(value, branches(schema), '', () => MASK, maskUrl);
}

/** The secret strings a config holds (x-secret values and URL passwords): the logger scrubs them from every line. */
export function secretValues(config: unknown, schema: unknown = ConfigSchema): string[] {
  const found = new Set<string>();
  walk(
    config,
    branches(schema),
    '',
    (v) => {
      if (typeof v === 'string' && v) found.add(v);
      return v;
    },
    (s) => {
      const pw = URL_PASSWORD.exec(s)?.[1];
      if (pw) {
        found.add(pw);
        found.add(safeDecode(pw));
      }
      return s;
    },
  );
  return [...found];
}

/**
 * Every path the schema marks `x-secret`, e.g. `http.adminToken`, `cloud.forwarders[].token`; `*` stands for
 * any key of a record. Used by tests to prove no such value can be printed.
 */
export function secretPaths(schema: unknown = ConfigSchema, at = ''): string[] {
  const nodes = branches(schema);
  if (isSecret(nodes)) return [at];
  const child = (k: string) => (at ? `${at}.${k}` : k);
  const paths = nodes.flatMap((n) => [
    ...(isNode(n.properties) ? Object.entries(n.properties).flatMap(([k, s]) => secretPaths(s, child(k))) : []),
    ...(isNode(n.patternProperties) ? Object.values(n.patternProperties).flatMap((s) => secretPaths(s, child('*'))) : []),
    ...(isNode(n.additionalProperties) ? secretPaths(n.additionalProperties, child('*')) : []),
    ...(Array.isArray(n.prefixItems) ? (n.prefixItems as unknown[]).flatMap((s) => secretPaths(s, `${at}[]`)) : []),
    ...(n.items !== undefined ? secretPaths(n.items, `${at}[]`) : []),
  ]);
  return [...new Set(paths)];
}
