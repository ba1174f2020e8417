/**
 * The floor for cold start and idle RSS (MEASURED.md): the libraries storegate is built on, loaded and started with
 * nothing on top — aedes listening, fastify serving /readyz, a SQLite file in WAL mode, onnxruntime-node with the
 * shipped model, sharp with one decode. Plain JavaScript run by node (no loader), like `storegate start`.
 *   node bench/startup-floor.js <dataDir> <httpPort> <mqttPort>
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import sqlite3 from 'sqlite3';

const [dir, httpPort, mqttPort] = process.argv.slice(2);
const db = await new Promise((resolve, reject) => {
  const d = new sqlite3.Database(join(dir, 'floor.db'), (err) => (err ? reject(err) : resolve(d)));
});
await new Promise((resolve, reject) => db.exec('PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (x)', (err) => (err ? reject(err) : resolve())));
const model = join(import.meta.dirname, '..', 'models', 'product-cnn.onnx');
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) });
await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
  .jpeg()
  .toBuffer()
  .then((jpeg) => sharp(jpeg).greyscale().raw().toBuffer());
const aedes = await Aedes.createBroker();
const mqtt = createServer(aedes.handle);
await new Promise((resolve) => mqtt.listen(Number(mqttPort), '127.0.0.1', resolve));
const http = Fastify();
http.get('/readyz', async () => ({ ready: true }));
await http.listen({ port: Number(httpPort), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  http.close();
  mqtt.close();
  aedes.close();
  db.close(() => process.exit(0));
});
