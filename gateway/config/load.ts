import { readFileSync } from 'node:fs';
import Type from 'typebox';
import Value from 'typebox/value';
import { createRequire } from 'node:module';
import { type Config, ConfigSchema } from './schema.ts';
import { applyEnv, describeSource, type Source } from './env.ts';
import { maskSecrets } from './secrets.ts';

// the YAML parser (≈ 50 ms to load) only when a config file is YAML; required, because loading a config is synchronous
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export { ENV_KEYS } from './env.ts';

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
    const parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
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
export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  return load(opts).config;
}

type LoadOptions = { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> };

/** A value that is not a default: its key, where it came from, and the value as it may be printed (secrets masked). */
export interface SourcedValue {
  key: string;
  source: string;
  shown: unknown;
}

/** loadConfig, plus where every value that is not a default came from (file, env, env `_FILE`), for `config check`. */
export function loadConfigWithSources(opts: LoadOptions = {}): { config: Readonly<Config>; sources: SourcedValue[] } {
  const { config, sources } = load(opts);
  return { config, sources: sources() };
}

/** The sources are listed on demand: masking the whole config for them is work a plain start does not need. */
function load(opts: LoadOptions): { config: Readonly<Config>; sources: () => SourcedValue[] } {
  const raw: Record<string, unknown> = opts.file ? readFile(opts.file) : {};
  const sources = new Map<string, Source>();
  if (opts.file) for (const key of leafKeys(raw)) sources.set(key, { kind: 'file', file: opts.file });
  const fromEnv = applyEnv(raw, opts.env ?? process.env, (path, v) => setPath(raw, path, v));
  for (const [k, s] of fromEnv.sources) sources.set(k, s);
  for (const [path, v] of Object.entries(opts.overrides ?? {})) {
    setPath(raw, path, v);
    sources.set(path, { kind: 'override' });
  }

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  const converted = Value.Convert(ConfigSchema, withDefaults) as Config;
  const problems: string[] = [...fromEnv.problems];
  // a problem quotes the value it is about, so a secret that is wrong is quoted masked
  let masked: unknown;
  const shown = () => (masked ??= maskSecrets(converted));
  // Value.Errors walks the whole schema collecting; the plain check is cheaper and passes on every good start
  const errors = Value.Check(ConfigSchema, converted) ? [] : Value.Errors(ConfigSchema, converted);
  for (const e of errors) {
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
      if (e.keyword === 'anyOf') problems.push(`${key}: ${describe(valueAt(shown(), e.instancePath))} is not one of the allowed values`);
    } else {
      problems.push(`${key}: ${e.message} (got ${describe(valueAt(shown(), e.instancePath))})`);
    }
  }
  if (converted.mqtt?.mode === 'external' && !converted.mqtt.external?.url) {
    problems.push('mqtt.external.url: required key is missing (mqtt.mode is "external")');
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  const sourced = () =>
    [...sources]
      .map(([key, source]) => ({ key, source: describeSource(source), shown: valueAt(shown(), key.replaceAll('.', '/')) }))
      .sort((a, b) => a.key.localeCompare(b.key));
  return { config: deepFreeze(converted), sources: sourced };
}

/** The keys a file sets: down to scalars, an array being one value (`presence.zones`) unless an env secret goes into it. */
function leafKeys(obj: Record<string, unknown>, at = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = at ? `${at}.${k}` : k;
    return v && typeof v === 'object' && !Array.isArray(v) ? leafKeys(v as Record<string, unknown>, key) : [key];
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export { Type };
