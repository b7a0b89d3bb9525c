import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ServerError } from '../errors.js';
import { MediaStats } from '../media/MediaStats.js';
import { emptyStats } from '../webhooks/WebhookReceiver.js';
import { ServerMetrics } from '../metrics.js';
import type { Session } from '../session/Session.js';
import type { Connection } from '../signal/Connection.js';
import { handlers } from './index.js';
import { RequestDispatcher } from './RequestDispatcher.js';
import type { HandlerTable, Services } from './types.js';

function setup(overrides: Partial<HandlerTable>) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(c, _e, done) {
        lines.push(JSON.parse(c.toString()));
        done();
      },
    }),
  );
  const metrics = new ServerMetrics({
    connections: () => 0,
    sessions: () => 0,
    rooms: () => 0,
    members: () => 0,
    publications: () => 0,
    subscriptions: () => 0,
    media: new MediaStats(),
    webhooks: emptyStats(),
    engine: () => ({ datagramsSent: 0, datagramsDropped: 0, stunDropped: 0, unknownDropped: 0 }),
  });
  const dispatcher = new RequestDispatcher({ ...handlers, ...overrides }, { logger } as unknown as Services, metrics);
  const sent: Record<string, unknown>[] = [];
  const connection = {
    id: 1,
    session: null,
    logsPreLoginFailure: () => true,
    respond: (text: string) => sent.push(JSON.parse(text)),
  } as unknown as Connection<Session>;
  return { dispatcher, connection, sent, lines, metrics };
}

describe('RequestDispatcher', () => {
  it('turns an unexpected exception into 10001 INTERNAL with its message, and logs both', async () => {
    const { dispatcher, connection, sent, lines } = setup({
      ping: () => {
        throw new TypeError('boom');
      },
    });
    await dispatcher.handle(connection, { id: 3, method: 'ping', params: {} });
    assert.deepEqual(sent, [{ type: 'response', id: 3, ok: false, error: { code: 10001, detail: { code: 'INTERNAL', message: 'boom' } } }]);
    assert.ok(lines.some((l) => l.msg === 'handler threw' && l.level === 50));
    const failed = lines.find((l) => l.msg === 'request failed')!;
    assert.deepEqual(
      [failed.level, failed.reqId, failed.method, failed.code, failed.codeName, failed.detail],
      [40, 3, 'ping', 10001, 'AV_ERR_SERVER_FAILED', { code: 'INTERNAL', message: 'boom' }],
    );
  });

  it('passes a ServerError through unchanged and counts it', async () => {
    const { dispatcher, connection, sent, metrics } = setup({
      ping: async () => {
        throw new ServerError('ROOM_FULL', 'full');
      },
    });
    await dispatcher.handle(connection, { id: 4, method: 'ping', params: {} });
    assert.deepEqual(sent[0]!.error, { code: 10005, detail: { code: 'ROOM_FULL', message: 'full' } });
    assert.match(await metrics.text(), /hudong_requests_total\{method="ping",code="10005"\} 1/);
  });

  it('answers results and counts successes as code "0"', async () => {
    const { dispatcher, connection, sent, metrics } = setup({});
    await dispatcher.handle(connection, { id: 5, method: 'ping', params: {} });
    assert.deepEqual(sent, [{ type: 'response', id: 5, ok: true, result: {} }]);
    assert.match(await metrics.text(), /hudong_requests_total\{method="ping",code="0"\} 1/);
  });
});
