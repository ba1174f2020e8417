import { afterAll, describe, it } from 'vitest';
import { hasMosquitto } from '../helpers/mosquitto.ts';
import { BROKERS, type BrokerName, SERVICE_USER, startBroker } from './brokers.ts';
import { CASES } from './cases.ts';
import { type Result, writeReport } from './report.ts';

/**
 * MQTT conformance of storegate's embedded aedes broker (as the service account, so the broker mechanics are
 * tested and not the device ACL), with the same cases run against a real mosquitto as the reference. Every case
 * gets a fresh broker. A case that fails where a deviation is declared, with exactly the declared error line, is
 * recorded as `expected-deviation`; any other failure (a different error on that broker too) fails the suite, and so does a declared aedes deviation that no longer reproduces (recorded as
 * `unexpected-pass`; for mosquitto, whose version is the OS's, it is recorded and warned about).
 * The table goes to test-artifacts/mqtt-conformance.json and the console.
 */
const results = new Map<string, Result>();
const accounts: Record<BrokerName, string> = { aedes: `service account (${SERVICE_USER})`, mosquitto: 'anonymous (allow_anonymous true)' };

if (!hasMosquitto) console.warn('[storegate conformance] mosquitto not found: the reference column is SKIPPED (apt-get install mosquitto)');

afterAll(() => {
  console.log(writeReport(CASES, results, accounts));
});

for (const broker of BROKERS) {
  describe(`MQTT conformance on ${broker === 'aedes' ? 'the embedded aedes broker (storegate service account)' : 'mosquitto (reference)'}`, () => {
    for (const c of CASES) {
      const skip = broker === 'mosquitto' && !hasMosquitto;
      it.skipIf(skip)(c.title, async () => {
        const key = `${c.id}:${broker}`;
        const notes: string[] = [];
        const deviation = c.deviations?.[broker];
        try {
          const b = await startBroker(broker, c.brokerOptions);
          accounts[broker] = b.account;
          await c.run({ b, note: (s) => notes.push(s) });
        } catch (err) {
          const detail = (err as Error).message.split('\n')[0]!.slice(0, 300);
          if (deviation && detail === deviation.observed) {
            results.set(key, { status: 'expected-deviation', detail: `${deviation.why} — observed: ${detail}`, notes });
            return;
          }
          if (deviation) {
            // a declared deviation covers one exact failure; anything else is a regression or a new behaviour
            results.set(key, { status: 'fail', detail: `declared deviation "${deviation.observed}" but observed: ${detail}`, notes });
            throw new Error(`${c.id} on ${broker} fails differently from its declared deviation.\n  declared: ${deviation.observed}\n  observed: ${detail}`, {
              cause: err,
            });
          }
          results.set(key, { status: 'fail', detail, notes });
          throw err;
        }
        if (deviation) {
          results.set(key, { status: 'unexpected-pass', detail: `declared deviation no longer reproduces: ${deviation.why}`, notes });
          // aedes is pinned by package-lock: its list must stay true. mosquitto is whatever the OS ships, and a newer
          // one may have fixed its bug: say so loudly, but do not fail the suite for the reference.
          if (broker === 'aedes') throw new Error(`${c.id} passes on ${broker}: remove its declared deviation`);
          console.warn(`[storegate conformance] ${c.id} now passes on ${broker}: its declared deviation no longer reproduces`);
          return;
        }
        results.set(key, { status: 'pass', notes });
      });
      if (skip) results.set(`${c.id}:${broker}`, { status: 'skipped', detail: 'mosquitto not installed', notes: [] });
    }
  });
}
