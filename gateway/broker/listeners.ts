import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Config } from '../config/schema.ts';

type Handle = (stream: Duplex, req?: IncomingMessage) => void;

const listen = (server: Server | HttpServer, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

/**
 * The broker's listeners: MQTT on TCP, MQTT over WebSocket, and by config MQTTS and MQTT over WSS. close()
 * stops accepting; the caller closes the broker, which ends the open connections the servers wait for.
 */
export async function startListeners(mqtt: Config['mqtt'], handle: Handle) {
  const servers: Array<Server | HttpServer> = [];
  const wss = new WebSocketServer({ noServer: true });
  const upgradeToMqtt = (server: HttpServer) => {
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => handle(createWebSocketStream(ws), req)));
    return server;
  };
  const wsOnly = (_req: IncomingMessage, res: import('node:http').ServerResponse) => void res.writeHead(426).end('MQTT over WebSocket only');

  // small packets (PUBACK, commands) must not wait for Nagle + delayed ACK (≈40 ms per round trip)
  const tcp = createNetServer((socket: Socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  servers.push(tcp);
  const ports: { mqtt: number; ws: number; tls?: number; wss?: number } = {
    mqtt: await listen(tcp, mqtt.port, mqtt.host),
    ws: 0,
  };
  const ws = upgradeToMqtt(createHttpServer(wsOnly));
  servers.push(ws);
  ports.ws = await listen(ws, mqtt.wsPort, mqtt.host);

  if (mqtt.tls) {
    const t = mqtt.tls;
    const creds = { cert: readFileSync(t.certFile), key: readFileSync(t.keyFile), ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}) };
    const tls = createTlsServer(creds, (socket) => handle(socket));
    servers.push(tls);
    ports.tls = await listen(tls, t.port, mqtt.host);
    if (t.wsPort !== undefined) {
      const secureWs = upgradeToMqtt(createHttpsServer(creds, wsOnly));
      servers.push(secureWs);
      ports.wss = await listen(secureWs, t.wsPort, mqtt.host);
    }
  }

  return {
    ports,
    /** Stop accepting. Resolves once every server is closed, i.e. after the broker has ended its connections. */
    stopAccepting(): Promise<void> {
      return Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
    },
    terminateWebSockets() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
