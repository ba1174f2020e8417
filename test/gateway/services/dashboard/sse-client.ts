import { request } from 'node:http';
import { ADMIN_TOKEN } from '../../../helpers/gateway.ts';

export interface SseMessage {
  id: string;
  event: string;
  data: unknown;
}

/** A raw SSE client (what EventSource does), collecting parsed messages. */
export function sseClient(port: number, onMessage: (m: SseMessage) => void, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; close(): void }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/dashboard/stream', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const m: Record<string, string> = {};
            for (const line of frame.split('\n')) {
              const c = line.indexOf(':');
              if (c > 0) m[line.slice(0, c)] = line.slice(c + 1).trimStart();
            }
            if (m.event && m.data !== undefined) onMessage({ id: m.id ?? '', event: m.event, data: JSON.parse(m.data) });
          }
        });
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
