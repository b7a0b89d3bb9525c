// The HTTP side of `hudong serve`: health, metrics, the demo page and the dev-only UserSig route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { AVContext } from '@hudong/sdk';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

test('/healthz counts rooms and members', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('h'));
  try {
    await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    const res = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; node: string; rooms: number; members: number };
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.node, 'string');
    assert.ok(body.rooms >= 1 && body.members >= 1, JSON.stringify(body));
  } finally {
    await dispose(ctx);
  }
});

test('/metrics is Prometheus text with request counts by code', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('m'));
  await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: false }).catch(() => {});
  await dispose(ctx);
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  assert.match(text, /# TYPE hudong_requests_total counter/);
  assert.match(text, /hudong_requests_total\{[^}]*method="room.enter"[^}]*code="10009"[^}]*\} [1-9]/);
  assert.match(text, /hudong_rooms /);
});

test('without --dev there is no /dev/usersig; with it, its sigs log in', async () => {
  assert.equal((await fetch(`${server.httpUrl}/dev/usersig`, { method: 'POST', body: '{}' })).status, 404);
  const dev = await new ServerProcess({ extraArgs: ['--dev'] }).start();
  try {
    const res = await fetch(`${dev.httpUrl}/dev/usersig`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'demo-user' }),
    });
    assert.equal(res.status, 200);
    const { userSig, sdkAppId } = (await res.json()) as { userSig: string; sdkAppId: number };
    const ctx = AVContext.create({ serverUrl: dev.wsUrl, sdkAppId });
    await ctx.start({ identifier: 'demo-user', userSig });
    assert.equal(ctx.state, 'started');
    await dispose(ctx);
    const page = await fetch(`${dev.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /html/);
  } finally {
    await dev.stop();
  }
});
