const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Strict hex: even length, hex digits only (an optional `0x` prefix is allowed). Anything else is null. */
export function parseHex(s: unknown): Buffer | null {
  if (typeof s !== 'string') return null;
  const t = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (!HEX.test(t)) return null;
  return Buffer.from(t, 'hex');
}

/** 16 bytes as a canonical lowercase UUID. */
export function uuidString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Accepts dashed or plain, any case; returns canonical lowercase dashed form, or null. */
export function normalizeUuid(s: string): string | null {
  const h = s.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return null;
  return uuidString(Buffer.from(h, 'hex'));
}

/**
 * 16-bit service UUIDs arrive as `feaa`, `FEAA`, `0xfeaa` or the full 128-bit Bluetooth base form
 * `0000feaa-0000-1000-8000-00805f9b34fb`; all become `feaa`.
 */
export function shortServiceUuid(uuid: string): string {
  const u = uuid.toLowerCase().replace(/^0x/, '');
  const m = /^0000([0-9a-f]{4})-?0000-?1000-?8000-?00805f9b34fb$/.exec(u);
  return m ? (m[1] as string) : u;
}
