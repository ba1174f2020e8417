import { readFileSync } from 'node:fs';
import Type from 'typebox';
import Value from 'typebox/value';
import YAML from 'yaml';
import { type Config, ConfigSchema } from './schema.ts';
import { maskSecrets } from './secrets.ts';

/** The documented env contract: scripts and deployments rely on these names. */
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
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  try {
    const parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
}

const describe = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60));

function valueAt(obj: unknown, pointer: string): unknown {
  let cur = obj;
  for (const k of pointer.split('/').filter(Boolean)) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return cur;
}

/**
 * File, then `STOREGATE_*` env, then defaults. Validates once, reports every problem with the key it is
 * about, then freezes. Throws ConfigError.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}): Readonly<Config> {
  const raw: Record<string, unknown> = opts.file ? readFile(opts.file) : {};
  const env = opts.env ?? process.env;
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, v);
  }
  for (const [path, v] of Object.entries(opts.overrides ?? {})) setPath(raw, path, v);

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  const converted = Value.Convert(ConfigSchema, withDefaults) as Config;
  const problems: string[] = [];
  // a problem quotes the value it is about, so a secret that is wrong is quoted masked
  const shown = maskSecrets(converted);
  for (const e of Value.Errors(ConfigSchema, converted)) {
    const key = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
    if (e.keyword === 'required') {
      const missing = (e.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      for (const m of missing) problems.push(`${key === '(top level)' ? '' : `${key}.`}${m}: required key is missing`);
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const x of extra) problems.push(`${key === '(top level)' ? '' : `${key}.`}${x}: unknown key`);
    } else if (e.message === 'schema is false') {
      // reported once as an unknown key by additionalProperties
    } else if (e.keyword === 'anyOf' || e.keyword === 'const') {
      if (e.keyword === 'anyOf') problems.push(`${key}: ${describe(valueAt(shown, e.instancePath))} is not one of the allowed values`);
    } else {
      problems.push(`${key}: ${e.message} (got ${describe(valueAt(shown, e.instancePath))})`);
    }
  }
  if (converted.mqtt?.mode === 'external' && !converted.mqtt.external?.url) {
    problems.push('mqtt.external.url: required key is missing (mqtt.mode is "external")');
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return deepFreeze(converted);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export { Type };
