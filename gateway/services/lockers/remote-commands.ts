import { gatewaySource } from '../../../devices/topics.ts';
import type { Ctx } from './context.ts';
import { reclaimParcel } from './staff.ts';

/**
 * Signed remote commands for the lockers (the downlink verified the signature, the nonce and the expiry, and audited
 * who asked): `locker.reclaim.requested` opens the parcel's door through the same path as staff's Reclaim button,
 * with the cloud user as the actor in the locker audit. The outcome goes back to the cloud.
 */
export function onRemoteCommands(ctx: Ctx) {
  const { bus, work, storeId } = ctx.deps;
  bus.on('lockers', 'locker.reclaim.requested', async (e) => {
    const { parcelId, requestedBy, commandId, keyId } = e.data;
    let outcome: 'done' | 'failed' = 'done';
    let detail: string;
    try {
      const r = await reclaimParcel(ctx, parcelId, `cloud:${requestedBy}`);
      detail = `door of ${r.compartmentId} opened for parcel ${r.parcelId}`;
    } catch (err) {
      outcome = 'failed';
      detail = (err as Error).message;
      ctx.log.warn({ parcelId, commandId, requestedBy, err: detail }, 'remote reclaim refused');
    }
    const done = bus.make('downlink.command.completed', gatewaySource(storeId, 'lockers'), {
      commandId,
      command: 'locker.reclaim',
      requestedBy,
      keyId,
      outcome,
      detail,
    });
    await work.run(async (w) => w.emit(done));
  });
}
