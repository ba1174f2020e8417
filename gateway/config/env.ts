import { readFileSync } from 'node:fs';

/** The documented env contract: scripts and deployments rely on these names. Each one also has a `…_FILE` twin. */
export const ENV_KEYS: Record<string, string> = {
  STOREGATE_STORE_ID: 'storeId',
  STOREGATE_DATA_DIR: 'dataDir',
  STOREGATE_LOG_LEVEL: 'log.level',
  STOREGATE_HTTP_HOST: 'http.host',
  STOREGATE_HTTP_PORT: 'http.port',
  STOREGATE_ADMIN_TOKEN: 'http.adminToken',
  STOREGATE_STAFF_TOKEN: 'http.staffToken',
  STOREGATE_MQTT_MODE: 'mqtt.mode',
  STOREGATE_MQTT_HOST: 'mqtt.host',
  STOREGATE_MQTT_PORT: 'mqtt.port',
  STOREGATE_MQTT_WS_PORT: 'mqtt.wsPort',
  STOREGATE_MQTT_URL: 'mqtt.external.url',
  STOREGATE_MQTT_USERNAME: 'mqtt.external.username',
  STOREGATE_MQTT_PASSWORD: 'mqtt.external.password',
  STOREGATE_SERVICE_USER: 'service.username',
  STOREGATE_SERVICE_PASSWORD: 'service.password',
  STOREGATE_HOMEASSISTANT_PASSWORD: 'homeAssistant.password',
  STOREGATE_PRESENCE_SALT: 'presence.shopperApp.salt',
  STOREGATE_LOCKER_CODE_KEY: 'lockers.codeKey',
  STOREGATE_RETURNS_HMAC_KEY: 'lockers.returns.hmacKey',
  STOREGATE_LOCKER_POS_TOKEN: 'lockers.posToken',
  STOREGATE_PSEUDONYM_KEY: 'privacy.pseudonymKey',
  STOREGATE_DOWNLINK_MQTT_PASSWORD: 'downlink.mqtt.password',
  STOREGATE_DOWNLINK_HTTP_TOKEN: 'downlink.http.token',
};

/**
 * Secrets of list items, named by the item: `STOREGATE_CLOUD_<NAME>_TOKEN` / `_PASSWORD` for the cloud forwarder
 * of that name, `STOREGATE_DEVICE_<ID>_SECRET` for a seeded device, `STOREGATE_API_<NAME>_TOKEN` for an integration token (upper case, anything else than A-Z 0-9 → `_`).
 */
const ITEM_SECRETS: Array<{ list: string; idKey: string; prefix: string; fields: Record<string, string> }> = [
  { list: 'cloud.forwarders', idKey: 'name', prefix: 'STOREGATE_CLOUD_', fields: { TOKEN: 'token', PASSWORD: 'password' } },
  { list: 'devices', idKey: 'id', prefix: 'STOREGATE_DEVICE_', fields: { SECRET: 'secret' } },
  { list: 'http.apiTokens', idKey: 'name', prefix: 'STOREGATE_API_', fields: { TOKEN: 'token' } },
  { list: 'lockers.couriers', idKey: 'id', prefix: 'STOREGATE_COURIER_', fields: { CODE: 'code' } },
];

export const envName = (id: string) => id.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** Where a config value came from, as `config check` prints it. */
export type Source = { kind: 'file'; file: string } | { kind: 'env'; name: string } | { kind: 'env-file'; name: string; file: string } | { kind: 'override' };

export const describeSource = (s: Source) =>
  s.kind === 'file' ? `file ${s.file}` : s.kind === 'env' ? `env ${s.name}` : s.kind === 'env-file' ? `env ${s.name}=${s.file}` : 'override';

/**
 * `NAME` or `NAME_FILE` (the container-secrets convention: the value is the file's content, without its final newline).
 * Both at once, or a file that cannot be read, is a problem reported with the others.
 */
function fromEnv(env: NodeJS.ProcessEnv, name: string, problems: string[]): { value: string; source: Source } | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  if (file !== undefined && file !== '') {
    if (hasDirect) {
      problems.push(`${name} and ${name}_FILE are both set: set one`);
      return undefined;
    }
    try {
      return { value: readFileSync(file, 'utf8').replace(/\r?\n$/, ''), source: { kind: 'env-file', name: `${name}_FILE`, file } };
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  }
  return hasDirect ? { value: direct, source: { kind: 'env', name } } : undefined;
}

const get = (obj: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

/**
 * Applies every `STOREGATE_*` variable (and its `_FILE` twin) to the raw config, recording where each value came from.
 * An item secret for an item the config does not have is a problem (a typo would otherwise be silently ignored).
 */
export function applyEnv(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  set: (path: string, value: unknown) => void,
): { sources: Map<string, Source>; problems: string[] } {
  const sources = new Map<string, Source>();
  const problems: string[] = [];
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const found = fromEnv(env, name, problems);
    if (!found) continue;
    set(path, found.value);
    sources.set(path, found.source);
  }
  for (const { list, idKey, prefix, fields } of ITEM_SECRETS) {
    const items = get(raw, list);
    const byName = new Map<string, number>();
    if (Array.isArray(items)) {
      items.forEach((it, i) => {
        if (typeof it?.[idKey] === 'string') byName.set(envName(it[idKey]), i);
      });
    }
    for (const key of Object.keys(env)) {
      for (const [suffix, field] of Object.entries(fields)) {
        const m = key.startsWith(prefix) && new RegExp(`^${prefix}(.+)_${suffix}(_FILE)?$`).exec(key);
        if (!m || (m[2] && env[key.slice(0, -5)])) continue; // NAME and NAME_FILE: reported once, by fromEnv
        const name = `${prefix}${m[1]}_${suffix}`;
        const index = byName.get(m[1] as string);
        if (index === undefined) {
          problems.push(`${key}: no ${list} entry with ${idKey} "${(m[1] as string).toLowerCase()}" in the config`);
          continue;
        }
        const found = fromEnv(env, name, problems);
        if (!found) continue;
        set(`${list}.${index}.${field}`, found.value);
        sources.set(`${list}.${index}.${field}`, found.source);
      }
    }
  }
  return { sources, problems };
}
