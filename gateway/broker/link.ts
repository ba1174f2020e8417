/** How services reach devices, whichever broker is in use. */
export interface DeviceLink {
  /** Publish JSON to `storegate/<storeId>/<kind>/<deviceId>/<channel>` (default channel `cmd`), QoS 1. */
  send(kind: string, deviceId: string, payload: unknown, channel?: string): void;
  /** Publish a retained message to any topic the gateway owns (Home Assistant discovery); '' clears it. QoS 1. */
  publishRetained(topic: string, payload: string): void;
  disconnectDevice(deviceId: string): Promise<void>;
  connectedDeviceIds(): string[];
  isReady(): boolean;
  close(): Promise<void>;
}

/** A DeviceLink that goes nowhere: for a service run alone (tests, benchmarks, probes). */
export const nullLink: DeviceLink = {
  send: () => {},
  publishRetained: () => {},
  disconnectDevice: async () => {},
  connectedDeviceIds: () => [],
  isReady: () => true,
  close: async () => {},
};

export interface BrokerPorts {
  mqtt: number;
  ws: number;
  tls?: number;
  wss?: number;
}

/** A broker the gateway is wired to before it listens or connects: commands sent before `start()` are dropped. */
export interface Broker extends DeviceLink {
  /** listen (embedded) or connect (external); resolves with the ports listened on (0 in external mode) */
  start(): Promise<BrokerPorts>;
}
