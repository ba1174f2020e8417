/**
 * Encoders for the advertisements simulated beacons send: the byte layouts the decoders in devices/ble read
 * (Apple Proximity Beacon R1; google/eddystone UID and TLM). Hex strings, as scanners put them on the wire.
 */

/** iBeacon manufacturer data, with the little-endian Apple company id first (25 bytes). */
export function iBeaconManufacturerData(uuid: string, major: number, minor: number, txPower = -59): string {
  const b = Buffer.alloc(25);
  b.writeUInt16LE(0x004c, 0);
  b[2] = 0x02;
  b[3] = 0x15;
  Buffer.from(uuid.replaceAll('-', ''), 'hex').copy(b, 4);
  b.writeUInt16BE(major, 20);
  b.writeUInt16BE(minor, 22);
  b.writeInt8(txPower, 24);
  return b.toString('hex');
}

/** Eddystone-UID service data (0xFEAA): frame 0x00, power at 0 m, namespace, instance, 2 RFU bytes. */
export function eddystoneUidFrame(namespace: string, instance: string, txPowerAt0m = -18): string {
  const b = Buffer.alloc(20);
  b[0] = 0x00;
  b.writeInt8(txPowerAt0m, 1);
  Buffer.from(namespace, 'hex').copy(b, 2);
  Buffer.from(instance, 'hex').copy(b, 12);
  return b.toString('hex');
}

/** Eddystone-TLM (plain, version 0): battery mV, temperature (8.8 fixed point), advertisement count, uptime in 0.1 s. */
export function eddystoneTlmFrame(t: { batteryMv: number; temperatureC: number; advCount: number; uptimeSeconds: number }): string {
  const b = Buffer.alloc(14);
  b[0] = 0x20;
  b[1] = 0x00;
  b.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.round(t.batteryMv))), 2);
  b.writeInt16BE(Math.round(t.temperatureC * 256), 4);
  b.writeUInt32BE(t.advCount >>> 0, 6);
  b.writeUInt32BE(Math.round(t.uptimeSeconds * 10) >>> 0, 10);
  return b.toString('hex');
}
