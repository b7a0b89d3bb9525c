import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from './RateLimiter.js';
import { TokenBucket } from './TokenBucket.js';

function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('allows a full burst, then refuses', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 5, clock.now);
    for (let i = 0; i < 5; i++) assert.equal(bucket.take(), true, `token ${i}`);
    assert.equal(bucket.take(), false);
  });

  it('takes a new rate and size from now on: tokens earned before are kept, up to the new size', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 10, clock.now);
    for (let i = 0; i < 6; i++) bucket.take();
    clock.advance(100); // 4 + 1
    bucket.setRate(1, 2);
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false, 'the 5 tokens were cut to the new size, 2');
    clock.advance(999);
    assert.equal(bucket.take(), false, 'refilled at 1 a second now');
    clock.advance(1);
    assert.equal(bucket.take(), true);
  });

  it('refills at the rate, never above capacity', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 5, clock.now);
    while (bucket.take());
    clock.advance(99);
    assert.equal(bucket.take(), false, '0.99 token is not a token');
    clock.advance(1);
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    clock.advance(60_000);
    assert.equal(bucket.full, true);
    let taken = 0;
    while (bucket.take()) taken++;
    assert.equal(taken, 5);
  });
});

describe('RateLimiter', () => {
  it('answers over-limit frames, then closes after closeAfter more', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 50, burst: 100, closeAfter: 200, now: clock.now });
    const verdicts = Array.from({ length: 301 }, () => limiter.admit());
    assert.deepEqual(verdicts.slice(0, 100), Array(100).fill('ok'));
    assert.deepEqual(verdicts.slice(100, 300), Array(200).fill('limited'));
    assert.equal(verdicts[300], 'close');
  });

  it('keeps counting while a flood earns the odd token', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 50, burst: 100, closeAfter: 200, now: clock.now });
    let verdict = limiter.admit();
    let frames = 1;
    // 1000 frames/s: a token every 20 ms, i.e. one admitted frame in twenty.
    while (verdict !== 'close' && frames < 10_000) {
      clock.advance(1);
      verdict = limiter.admit();
      frames++;
    }
    assert.equal(verdict, 'close');
  });

  it('forgives a client that backed off until its burst came back', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 50, burst: 100, closeAfter: 200, now: clock.now });
    for (let i = 0; i < 250; i++) limiter.admit();
    clock.advance(2000);
    for (let i = 0; i < 100; i++) assert.equal(limiter.admit(), 'ok');
    for (let i = 0; i < 200; i++) assert.equal(limiter.admit(), 'limited');
    assert.equal(limiter.admit(), 'close');
  });
});
