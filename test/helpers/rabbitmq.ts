import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { freePort, untilListening } from './mosquitto.ts';

/** The broker itself, not /usr/sbin's wrapper (which switches to the rabbitmq user, who cannot write our temp dir). */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const installed = existsSync(SERVER) && existsSync('/usr/bin/epmd');
/** true under CI whatever is installed (as for mosquitto and Chromium): there a missing RabbitMQ fails, never skips */
export const hasRabbitMQ = installed || Boolean(process.env.CI);
if (!installed)
  console.warn(
    process.env.CI
      ? '[storegate tests] rabbitmq-server not found and CI is set: the RabbitMQ MQTT tests will FAIL (apt-get install rabbitmq-server)'
      : '[storegate tests] rabbitmq-server not found: the RabbitMQ MQTT tests are SKIPPED (apt-get install rabbitmq-server)',
  );

export interface RabbitUser {
  name: string;
  password: string;
  /** topic permissions on amq.topic, as regexes over routing keys (RabbitMQ maps MQTT's `/` to `.`) */
  write?: string;
  read?: string;
}

/** RabbitMQ's default password hash (rabbit_password_hashing_sha256): base64(salt ‖ sha256(salt ‖ password)). */
function passwordHash(password: string) {
  const salt = randomBytes(4);
  return Buffer.concat([
    salt,
    createHash('sha256')
      .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
      .digest(),
  ]).toString('base64');
}

/**
 * A private RabbitMQ with its MQTT plugin on 127.0.0.1 and free ports (its own node name, data dir and epmd port, so
 * other RabbitMQs on the machine are not touched), users from a definitions file. Stopped when the test ends.
 * RabbitMQ takes tens of seconds to start on a busy 2-core box: give the test a long timeout.
 */
export async function startRabbitMQ(dir: string, users: RabbitUser[]): Promise<{ port: number; url: string; proc: ChildProcess }> {
  if (!installed) throw new Error('rabbitmq-server is not installed (apt-get install rabbitmq-server)');
  const [amqp, port, dist, epmd] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const definitions = join(dir, 'definitions.json');
  writeFileSync(
    definitions,
    JSON.stringify({
      vhosts: [{ name: '/' }],
      users: users.map((u) => ({ name: u.name, password_hash: passwordHash(u.password), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] })),
      permissions: users.map((u) => ({ user: u.name, vhost: '/', configure: '.*', write: '.*', read: '.*' })),
      topic_permissions: users.map((u) => ({ user: u.name, vhost: '/', exchange: 'amq.topic', write: u.write ?? '.*', read: u.read ?? '.*' })),
    }),
  );
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqp}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${port}`,
      'mqtt.allow_anonymous = false',
      'loopback_users = none',
      `load_definitions = ${definitions}`,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: `sgtest${amqp}@localhost`,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmd),
    // the script then execs the VM, so our SIGTERM reaches RabbitMQ itself (a graceful stop)
    RUNNING_UNDER_SYSTEMD: '1',
  };
  const proc = spawn(SERVER, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  onTestFinished(async () => {
    proc.kill('SIGTERM');
    await exited;
    // the VM started an epmd daemon on our port: stop it too
    await new Promise<void>((r) => execFile('/usr/bin/epmd', ['-port', String(epmd), '-kill'], { env }, () => r()));
  });
  await untilListening(port, proc, 240_000, () => `rabbitmq-server did not start: ${output.slice(-2000)}`);
  return { port, url: `mqtt://127.0.0.1:${port}`, proc };
}
