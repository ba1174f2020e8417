import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InteractionMessage, MirrorCommand } from '../devices/smart-mirror/messages.ts';
import { MIRROR_CHANNELS, MIRROR_KIND } from '../devices/smart-mirror/topics.ts';
import { PACKAGE_ROOT } from '../gateway/paths.ts';
import { DEBIAN_FASHION_MNIST, readIdx } from '../models/camera-frames.ts';
import { connectDevice, type DeviceClient } from './device-client.ts';

/**
 * A fitting-room smart mirror as a real MQTT client with its own credentials: publishes camera frames (JPEG
 * bytes), presence and interactions; collects the gateway's answers from its cmd topic.
 */
export function createMirrorSim(opts: { url: string; storeId: string; deviceId: string; secret: string }) {
  const commands: MirrorCommand[] = [];
  const waiters: Array<{ match: (c: MirrorCommand) => boolean; resolve: (c: MirrorCommand) => void }> = [];
  let dev: DeviceClient | undefined;
  let seen = 0;
  const listeners: Array<(c: MirrorCommand) => void> = [];
  const onCommand = (raw: Record<string, unknown>) => {
    const c = raw as unknown as MirrorCommand;
    commands.push(c);
    for (const l of [...listeners]) l(c);
    for (const w of [...waiters])
      if (w.match(c)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(c);
      }
  };
  const need = () => {
    if (!dev) throw new Error('mirror not connected');
    return dev;
  };
  return {
    commands,
    async connect() {
      dev = await connectDevice(
        { storeId: opts.storeId, kind: MIRROR_KIND, id: opts.deviceId, secret: opts.secret },
        { url: opts.url, firmware: 'sim-mirror-1.0.0', onCommand },
      );
    },
    sendFrame: (jpeg: Buffer, qos: 0 | 1 = 1) => need().publish(MIRROR_CHANNELS.frame, jpeg, qos),
    presence: (present: boolean) => need().publish(MIRROR_CHANNELS.presence, { present }),
    interact: (m: InteractionMessage) => need().publish(MIRROR_CHANNELS.interaction, m),
    /** every command as it arrives (besides collecting them for nextCommand) */
    onCommand: (listener: (c: MirrorCommand) => void) => void listeners.push(listener),
    /** the next command (not yet consumed by an earlier call) that matches, or one arriving later */
    nextCommand<T extends MirrorCommand['type']>(type: T, match: (c: Extract<MirrorCommand, { type: T }>) => boolean = () => true, timeoutMs = 10_000) {
      const ok = (c: MirrorCommand) => c.type === type && match(c as Extract<MirrorCommand, { type: T }>);
      const i = commands.slice(seen).findIndex(ok);
      if (i >= 0) {
        seen += i + 1;
        return Promise.resolve(commands[seen - 1] as Extract<MirrorCommand, { type: T }>);
      }
      return new Promise<Extract<MirrorCommand, { type: T }>>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`mirror ${opts.deviceId}: timed out waiting for ${type}`)), timeoutMs);
        waiters.push({
          match: ok,
          resolve: (c) => {
            clearTimeout(t);
            seen = commands.length;
            resolve(c as Extract<MirrorCommand, { type: T }>);
          },
        });
      });
    },
    /** the answer to a frame: recognised, ask_pick (unsure) or error (bad image, unknown mirror…); null after `timeoutMs` */
    nextAnswer(timeoutMs = 10_000) {
      return new Promise<MirrorCommand | null>((resolve) => {
        const done = (c: MirrorCommand | null) => {
          clearTimeout(timer);
          listeners.splice(listeners.indexOf(listener), 1);
          resolve(c);
        };
        const listener = (c: MirrorCommand) => {
          if (c.type === 'recognised' || c.type === 'ask_pick' || c.type === 'error' || c.type === 'rejected') done(c);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        listeners.push(listener);
      });
    },
    async disconnect() {
      await dev?.close();
    },
  };
}
export type MirrorSim = ReturnType<typeof createMirrorSim>;

/** Fashion-MNIST items to hold up to the mirror: the committed test subset, else Debian's dataset. */
export function mirrorItems(limit = 200): Uint8Array[] {
  const fx = `${join(PACKAGE_ROOT, 'test', 'fixtures', 'fashion-mnist')}/`;
  if (existsSync(`${fx}t10k-first1000-images.gz`)) return readIdx(`${fx}t10k-first1000-images.gz`, `${fx}t10k-first1000-labels.gz`, limit).images;
  return readIdx(`${DEBIAN_FASHION_MNIST}t10k-images-idx3-ubyte.gz`, `${DEBIAN_FASHION_MNIST}t10k-labels-idx1-ubyte.gz`, limit).images;
}
