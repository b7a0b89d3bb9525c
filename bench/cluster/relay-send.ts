// bench/cluster/relay-send: what one relayed packet costs the sending node — RelaySocket's send (copy
// behind a 4-byte leg id, one UDP datagram on loopback) — to compare with a WebRTC leg, whose send
// through node-datachannel (SRTP, libdatachannel, libjuice) measured 11.1–11.7 µs per packet on this
// machine (bench/forwarding/send-path.ts, docs/media.md). Prints a table.
//   node --import tsx bench/cluster/relay-send.ts [--packets 200000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { RelaySocket } from '../../packages/server/src/cluster/relay/RelaySocket.js';
import { RelayTrack } from '../../packages/server/src/cluster/relay/RelayTrack.js';
import { markdownTable } from '../lib/table.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '200000' } } });
const PACKETS = Number(values.packets);
const BATCH = 100;

// The receiver is another process: this one's CPU is the send alone. It prints its port, then its count on each line read.
const RECEIVER = `
const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
let n = 0; s.on('message', () => n++);
s.bind(0, '127.0.0.1', () => console.log(s.address().port));
process.stdin.on('data', () => console.log(n));`;
const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = (async function* () {
  let buffered = '';
  for await (const chunk of receiver.stdout) {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      yield buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
    }
  }
})();
const nextLine = async () => (await lines.next()).value as string;
const port = Number(await nextLine());
const receivedSoFar = async () => {
  receiver.stdin.write('\n');
  return Number(await nextLine());
};
const socket = await RelaySocket.open('127.0.0.1', pino({ level: 'silent' }));
const track = new RelayTrack(7, { address: '127.0.0.1', port }, socket);
const packet = Buffer.alloc(1200, 0x80);

const rows: string[][] = [];
for (const run of [1, 2, 3]) {
  const before = await receivedSoFar();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < PACKETS; i += BATCH) {
    for (let j = 0; j < BATCH; j++) track.send(packet);
    // Let libuv write them (and the receiver read them) between batches, as a paced stream would.
    await new Promise((r) => setImmediate(r));
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  const received = (await receivedSoFar()) - before;
  rows.push([
    String(run),
    PACKETS.toLocaleString('en'),
    received.toLocaleString('en'),
    ((cpu.user + cpu.system) / PACKETS).toFixed(2),
    wallMs.toFixed(0),
  ]);
}
console.log(
  markdownTable(
    `### Relay leg send: 1,200-byte packets on loopback, ${BATCH} per event-loop turn (${new Date().toISOString()})`,
    ['run', 'packets sent', 'received (another process)', 'µs CPU of the sending process per packet', 'wall ms'],
    rows,
  ),
);
track.close();
socket.close();
receiver.kill();
await once(receiver, 'exit');
