import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';

/**
 * mosquitto's dynamic-security plugin (mosquitto 2.0, `mosquitto_dynamic_security.so`): commands are JSON
 * published to `$CONTROL/dynamic-security/v1`, answers come on `…/response` with our `correlationData` echoed.
 * See https://mosquitto.org/documentation/dynamic-security/.
 */
export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;

export type DynsecCommand = { command: string } & Record<string, unknown>;
export type DynsecResponse = { command: string; error?: string; data?: unknown; correlationData?: string };

export interface Acl {
  acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribePattern' | 'subscribeLiteral' | 'unsubscribePattern';
  topic: string;
  allow: boolean;
  priority?: number;
}

/** Errors that mean "already as wanted": creating what exists, deleting what is gone. */
export const isIdempotentError = (e: string | undefined) => !e || /already exists|not found/i.test(e);

export function createDynsec(client: MqttClient, timeoutMs = 5000) {
  const waiting = new Map<string, (r: DynsecResponse) => void>();
  let subscribed: Promise<void> | undefined;

  const onMessage = (topic: string, payload: Buffer) => {
    if (topic !== RESPONSE_TOPIC) return;
    let body: { responses?: DynsecResponse[] };
    try {
      body = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
    } catch {
      return;
    }
    for (const r of body.responses ?? []) {
      const w = r.correlationData ? waiting.get(r.correlationData) : undefined;
      if (w) {
        waiting.delete(r.correlationData as string);
        w(r);
      }
    }
  };
  client.on('message', onMessage);

  const subscribe = () => {
    subscribed ??= client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 }).then((granted) => {
      if (granted.some((g) => g.qos === 128)) throw new Error(`not allowed to subscribe to ${RESPONSE_TOPIC}: is the gateway's account the dynsec admin?`);
    });
    return subscribed.catch((err) => {
      subscribed = undefined;
      throw err;
    });
  };

  return {
    /** Runs the commands in one message, in order; resolves with each answer (an `error` field when it failed). */
    async run(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
      await subscribe();
      const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
      const answers = tagged.map(
        (c) =>
          new Promise<DynsecResponse>((resolve, reject) => {
            const t = setTimeout(() => {
              waiting.delete(c.correlationData);
              reject(new Error(`mosquitto dynamic security did not answer ${c.command} within ${timeoutMs} ms (is the plugin loaded?)`));
            }, timeoutMs);
            waiting.set(c.correlationData, (r) => {
              clearTimeout(t);
              resolve(r);
            });
          }),
      );
      await client.publishAsync(DYNSEC_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
      return Promise.all(answers);
    },
    /** Like run, but throws on any error that is not "already so". */
    async apply(commands: DynsecCommand[]): Promise<void> {
      const answers = await this.run(commands);
      const bad = answers.find((a) => !isIdempotentError(a.error));
      if (bad) throw new Error(`mosquitto dynamic security: ${bad.command}: ${bad.error}`);
    },
    close() {
      client.off('message', onMessage);
      for (const w of waiting.values()) w({ command: '?', error: 'closed' });
      waiting.clear();
    },
  };
}

export type Dynsec = ReturnType<typeof createDynsec>;
