import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { allocateTinyId, deriveTinyId } from './tinyId.js';

describe('deriveTinyId', () => {
  it('is the first 8 bytes of sha256("sdkAppId:identifier"), big-endian, masked to 63 bits', () => {
    const hex = createHash('sha256').update('1400000001:alice').digest('hex').slice(0, 16);
    assert.equal(deriveTinyId(1400000001, 'alice'), BigInt('0x' + hex) & 0x7fffffffffffffffn);
  });

  it('is stable, fits 63 bits and depends on the app', () => {
    for (let i = 0; i < 500; i++) {
      const id = deriveTinyId(1400000001, `user-${i}`);
      assert.equal(id, deriveTinyId(1400000001, `user-${i}`));
      assert.ok(id >= 0n && id < 2n ** 63n, `${id} exceeds 63 bits`);
    }
    assert.notEqual(deriveTinyId(1400000001, 'alice'), deriveTinyId(1400000002, 'alice'));
  });
});

describe('allocateTinyId', () => {
  it('takes the derived id when free or already its own', () => {
    const derived = deriveTinyId(1, 'alice').toString();
    assert.equal(
      allocateTinyId(1, 'alice', () => undefined),
      derived,
    );
    assert.equal(
      allocateTinyId(1, 'alice', () => 'alice'),
      derived,
    );
  });

  it('probes +1 past ids held by other identifiers', () => {
    const derived = deriveTinyId(1, 'alice');
    const owners = new Map([
      [derived.toString(), 'bob'],
      [(derived + 1n).toString(), 'carol'],
    ]);
    assert.equal(
      allocateTinyId(1, 'alice', (t) => owners.get(t)),
      (derived + 2n).toString(),
    );
  });
});
