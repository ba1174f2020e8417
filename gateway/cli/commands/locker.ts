import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { derivePickupCode, pickupQr } from '../../../devices/locker/codes.ts';
import { signReturnQr, verifyReturnQr } from '../../../devices/locker/return-qr.ts';

/** Cloud-side helpers for trying the lockers without the cloud: make a return QR, derive a pickup code. */
export function registerLocker(program: Command) {
  const locker = program.command('locker').description('parcel-locker tools (what the cloud does, for testing)');
  locker
    .command('qr')
    .description('make a signed return QR (SGR1.<alg>.<payload>.<signature>), as the app would show it')
    .requiredOption('--order <id>', 'order id')
    .requiredOption('--item <sku>', 'item being returned')
    .option('--reason <code>', 'return reason', 'other')
    .option('--size <size>', 'compartment size the item needs (S/M/L/XL)')
    .option('--rid <id>', 'return id (unique; makes the QR single-use)')
    .option('--category <code>', 'item category (keep-it policy, incentive rules, metrics)')
    .option('--value <minor>', 'refund value in minor units (cents)')
    .option('--shopper <pseudonym>', "the shopper's pseudonym (keep-it rate guard, incentive history)")
    .option('--hours <n>', 'valid for this many hours', '72')
    .option('--secret <key>', 'HMAC-SHA256 key (lockers.returns.hmacKey)')
    .option('--ed25519-key <key>', 'Ed25519 private key, PEM or base64 raw (the gateway holds the public key)')
    .action(
      (o: {
        order: string;
        item: string;
        reason: string;
        size?: string;
        rid?: string;
        category?: string;
        value?: string;
        shopper?: string;
        hours: string;
        secret?: string;
        ed25519Key?: string;
      }) => {
        if (!o.secret === !o.ed25519Key) throw new Error('give exactly one of --secret or --ed25519-key');
        if (o.value !== undefined && !/^[0-9]+$/.test(o.value)) throw new Error('--value is a whole number of minor units (cents)');
        const payload = {
          rid: o.rid ?? randomUUID(),
          oid: o.order,
          item: o.item,
          reason: o.reason,
          ...(o.size ? { size: o.size } : {}),
          ...(o.category ? { cat: o.category } : {}),
          ...(o.value !== undefined ? { val: Number.parseInt(o.value, 10) } : {}),
          ...(o.shopper ? { sid: o.shopper } : {}),
          exp: Math.floor(Date.now() / 1000 + Number(o.hours) * 3600),
        };
        const qr = signReturnQr(payload, o.secret ? { hmacKey: o.secret } : { ed25519PrivateKey: o.ed25519Key as string });
        if (o.secret && !verifyReturnQr(qr, { hmacKey: o.secret }, Date.now()).ok) throw new Error('self-check failed');
        process.stdout.write(`${qr}\n`);
      },
    );
  locker
    .command('code')
    .description('derive the pickup code of a loaded parcel from the nonce in its locker.parcel.loaded event')
    .requiredOption('--key <key>', 'lockers.codeKey (or the data dir file locker-code-key)')
    .requiredOption('--order <id>', 'order id')
    .requiredOption('--nonce <nonce>', 'codeNonce from the event')
    .option('--qr', 'print the pickup QR text instead')
    .action((o: { key: string; order: string; nonce: string; qr?: boolean }) => {
      const code = derivePickupCode(o.key, o.order, o.nonce);
      process.stdout.write(`${o.qr ? pickupQr(code) : code}\n`);
    });
}
