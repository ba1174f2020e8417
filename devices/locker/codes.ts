import { createHmac } from 'node:crypto';

/**
 * Pickup codes are derived, not random: code = HMAC-SHA256(codeKey, "pickup\0" + orderId + "\0" + nonce) → 6
 * digits. The gateway puts only the nonce in `locker.parcel.loaded`; the cloud, which holds the same codeKey,
 * derives the code and sends it to the shopper. The code itself never crosses the network from the gateway,
 * and the gateway keeps only a keyed hash of it.
 */
export function derivePickupCode(codeKey: string, orderId: string, nonce: string): string {
  const mac = createHmac('sha256', codeKey).update(`pickup\0${orderId}\0${nonce}`).digest();
  return String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

/** The pickup QR in the shopper's app carries the same code: `SGP1.<code>`. */
export const pickupQr = (code: string) => `SGP1.${code}`;
export function codeFromPickupQr(qr: string): string | null {
  const m = /^SGP1\.([0-9]{6})$/.exec(qr);
  return m ? (m[1] as string) : null;
}
