// The native fan-out's SRTP (packages/server/native/src/srtp.cc) through its test binding: the RFCs'
// vectors, round trips of both profiles, the rollover counter across a wrap with resends, replay,
// tampering and truncation. The addon is built first when a source changed (it is skipped only
// where there is no compiler or no Node headers, as the server then falls back).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

interface SrtpSession {
  protectRtp(packet: Buffer): Buffer | null;
  protectRtcp(packet: Buffer): Buffer | null;
  unprotectRtp(packet: Buffer): Buffer | null;
  unprotectRtcp(packet: Buffer): Buffer | null;
  /** ns per protectRtp of one packet of `length` bytes, timed inside C++. */
  benchmarkProtectRtp(length: number, count: number): number;
}
interface SrtpAddon {
  /** Master key and salt; with `sessionAuthKey`, key and salt are session keys for SRTP and SRTCP alike. */
  SrtpSession: new (profileId: number, key: Buffer, salt: Buffer, sessionAuthKey?: Buffer) => SrtpSession;
  srtpDeriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer;
}

const build = fileURLToPath(new URL('../../../native/build.mjs', import.meta.url));
const addonPath = fileURLToPath(new URL('../../../native/build/hudong_media.node', import.meta.url));
execFileSync(process.execPath, [build], { stdio: 'inherit' });
const addon = existsSync(addonPath) ? (createRequire(import.meta.url)(addonPath) as SrtpAddon) : undefined;
const skip = addon ? false : 'the native fan-out is not built here (no compiler or Node headers)';

const AES_CM = 0x0001;
const GCM = 0x0007;
const PROFILES = [
  { name: 'AES-CM-128 + HMAC-SHA1-80', id: AES_CM, salt: 14, rtpTrailer: 10, rtcpTrailer: 14 },
  { name: 'AEAD AES-128-GCM', id: GCM, salt: 12, rtpTrailer: 16, rtcpTrailer: 20 },
];

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function srtp(profileId: number, key: Buffer, salt: Buffer, sessionAuthKey?: Buffer): SrtpSession {
  return new addon!.SrtpSession(profileId, key, salt, sessionAuthKey);
}

/** A sender and a receiver on the same fresh master keys. */
function pair(profile: (typeof PROFILES)[number]): { tx: SrtpSession; rx: SrtpSession } {
  const key = randomBytes(16);
  const salt = randomBytes(profile.salt);
  return { tx: srtp(profile.id, key, salt), rx: srtp(profile.id, key, salt) };
}

interface RtpShape {
  ssrc?: number;
  seq: number;
  csrcs?: number;
  /** Words of an RFC 8285 one-byte-header extension. */
  extensionWords?: number;
  /** Bytes of RTP padding (the last one holds the count). */
  padding?: number;
  payload?: number;
}

function rtp({ ssrc = 0x1234abcd, seq, csrcs = 0, extensionWords, padding = 0, payload = 160 }: RtpShape): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80 | (padding ? 0x20 : 0) | (extensionWords !== undefined ? 0x10 : 0) | csrcs;
  head[1] = 96;
  head.writeUInt16BE(seq, 2);
  head.writeUInt32BE(0x01020304, 4);
  head.writeUInt32BE(ssrc, 8);
  const parts = [head, randomBytes(4 * csrcs)];
  if (extensionWords !== undefined) {
    const ext = Buffer.alloc(4);
    ext.writeUInt16BE(0xbede, 0);
    ext.writeUInt16BE(extensionWords, 2);
    parts.push(ext, randomBytes(4 * extensionWords));
  }
  parts.push(randomBytes(payload));
  if (padding) {
    const pad = Buffer.alloc(padding);
    pad[padding - 1] = padding;
    parts.push(pad);
  }
  return Buffer.concat(parts);
}

/** A compound RTCP packet: an SR of `ssrc` with `words` more 32-bit words. */
function rtcp(ssrc: number, words = 6): Buffer {
  const packet = randomBytes(8 + 4 * words);
  packet[0] = 0x80;
  packet[1] = 200;
  packet.writeUInt16BE(1 + words, 2);
  packet.writeUInt32BE(ssrc, 4);
  return packet;
}

describe('native SRTP', { skip }, () => {
  describe('RFC vectors', () => {
    it('RFC 3711 B.3: the KDF derives the appendix session key, salt and 94-byte auth keystream', () => {
      const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
      const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
      assert.equal(addon!.srtpDeriveKey(key, salt, 0, 16).toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
      assert.equal(addon!.srtpDeriveKey(key, salt, 2, 14).toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
      assert.deepEqual(
        addon!.srtpDeriveKey(key, salt, 1, 94),
        hex(`CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
             6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`),
      );
    });

    it('RFC 3711 B.2: AES-CM encrypts an RTP payload with the appendix keystream (SSRC 0, index 0)', () => {
      const session = srtp(AES_CM, hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), Buffer.alloc(20));
      const zeros = rtp({ ssrc: 0, seq: 0, payload: 48 });
      zeros.fill(0, 12);
      const out = session.protectRtp(zeros)!;
      assert.deepEqual(out.subarray(0, 12), zeros.subarray(0, 12), 'the header is not encrypted');
      assert.deepEqual(
        out.subarray(12, 60),
        hex('E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0'),
      );
      assert.equal(out.length, 60 + 10);
    });

    // RFC 7714 §16.1.1 (SRTP) and §17.1.1 (SRTCP): session key and salt given, for both alike.
    const gcmKey = hex('000102030405060708090a0b0c0d0e0f');
    const gcmSalt = hex('517569642070726f2071756f');
    const gcmSession = () => srtp(GCM, gcmKey, gcmSalt, Buffer.alloc(0));
    const rtpPlain = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
                          69736120 696e2070 61727465 73207472 6573`);
    const rtpSealed = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
                           0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`);
    const rtcpPlain = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                           deadbeef deadbeef deadbeef deadbeef deadbeef`);
    const rtcpSealed = hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
                            c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
                            45d9eade 800005d4`);
    const rtcpAuthenticatedOnly = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                                       deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790
                                       125f62b3 000005d4`);

    it('RFC 7714 §16.1.1: AES-128-GCM seals and opens the RTP vector (the AAD is the header)', () => {
      assert.deepEqual(gcmSession().protectRtp(rtpPlain), rtpSealed);
      assert.deepEqual(gcmSession().unprotectRtp(rtpSealed), rtpPlain);
    });

    it('RFC 7714 §17.1: AES-128-GCM seals SRTCP index 0x5d4 as the vector and opens it, and the unencrypted (E=0) vector', () => {
      const session = gcmSession();
      // The session numbers its SRTCP packets from 0: the vector's is the 0x5d4-th after the first.
      for (let i = 0; i < 0x5d4; i++) session.protectRtcp(rtcpPlain);
      assert.deepEqual(session.protectRtcp(rtcpPlain), rtcpSealed);
      assert.deepEqual(gcmSession().unprotectRtcp(rtcpSealed), rtcpPlain);
      assert.deepEqual(gcmSession().unprotectRtcp(rtcpAuthenticatedOnly), rtcpPlain);
    });
  });

  // RFC 7714 gives no vector from master keys, so how a 12-byte salt enters the KDF is pinned by
  // libsrtp 2.5.0's output (a throwaway C program, Debian's libsrtp2-dev) for the RFC 7714 packets.
  // libsrtp numbers SRTCP from 1 per SSRC, so its first SRTCP packet is our session's second.
  describe('libsrtp 2.5.0, byte for byte from master keys', () => {
    const plainRtp = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
                          69736120 696e2070 61727465 73207472 6573`);
    const plainRtcp = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                           deadbeef deadbeef deadbeef deadbeef deadbeef`);
    const vectors = [
      {
        profile: GCM,
        key: '000102030405060708090a0b0c0d0e0f',
        salt: '517569642070726f2071756f',
        rtp: `8040f17b8041f8d35501a0b292cb0ecff0a0db188f7bff6b523933aacef8ae9585ed378a627836cb2d6a731d6c3490d925387db1
              8c0661762d59e50ad553d241535a`,
        rtcp: `81c8000d4d6172736e525f96a03f0774056b3c595dc5fc69f9f17ef57a412beed41b52140f81a7b04c2c30f3a32afc8021dfbd
               46339c88a7f76cae84d03f3da7e4e1053a80000001`,
      },
      {
        profile: AES_CM,
        key: 'E1F97A0D3E018BE0D64FA32C06DE4139',
        salt: '0EC675AD498AFEEBB6960B3AABE6',
        rtp: `8040f17b8041f8d35501a0b246be74509aaa5ce4310b26d95e135249979cd7bc38109ee071f7bf3aa8495d6dd41778d02641cb
              e126523e4fe97e1d91`,
        rtcp: `81c8000d4d617273f2bb7b81f9b988034c297110352c53781268f3d76040350f49086b0a2297239aeebaf47f1a17638ae7a25bc8
               80000001432cfe93cba0c4783d44`,
      },
    ];
    for (const v of vectors) {
      it(`${v.profile === GCM ? 'AES-128-GCM' : 'AES-CM + HMAC-SHA1-80'}: the same SRTP and SRTCP, and each opens the other's`, () => {
        const tx = srtp(v.profile, hex(v.key), hex(v.salt));
        assert.deepEqual(tx.protectRtp(plainRtp), hex(v.rtp));
        tx.protectRtcp(plainRtcp);
        assert.deepEqual(tx.protectRtcp(plainRtcp), hex(v.rtcp));
        const rx = srtp(v.profile, hex(v.key), hex(v.salt));
        assert.deepEqual(rx.unprotectRtp(hex(v.rtp)), plainRtp);
        assert.deepEqual(rx.unprotectRtcp(hex(v.rtcp)), plainRtcp);
      });
    }
  });

  for (const profile of PROFILES) {
    describe(profile.name, () => {
      it('round-trips RTP with CSRCs, a header extension and padding; the whole header stays clear', () => {
        const { tx, rx } = pair(profile);
        const shapes: RtpShape[] = [
          { seq: 1 },
          { seq: 2, csrcs: 3 },
          { seq: 3, extensionWords: 2 },
          { seq: 4, extensionWords: 0 },
          { seq: 5, padding: 9 },
          { seq: 6, csrcs: 15, extensionWords: 5, padding: 4, payload: 1100 },
          { seq: 7, payload: 0 },
        ];
        for (const shape of shapes) {
          const plain = rtp(shape);
          const header = 12 + 4 * (shape.csrcs ?? 0) + (shape.extensionWords !== undefined ? 4 + 4 * shape.extensionWords : 0);
          const sealed = tx.protectRtp(plain)!;
          assert.equal(sealed.length, plain.length + profile.rtpTrailer, `seq ${shape.seq}`);
          assert.deepEqual(sealed.subarray(0, header), plain.subarray(0, header), `seq ${shape.seq}: header`);
          if (plain.length > header) assert.notDeepEqual(sealed.subarray(header, plain.length), plain.subarray(header), `seq ${shape.seq}: payload`);
          assert.deepEqual(rx.unprotectRtp(sealed), plain, `seq ${shape.seq}`);
        }
      });

      it('round-trips compound RTCP on several SSRCs, always encrypted (E set), numbered across the session', () => {
        const { tx, rx } = pair(profile);
        for (let i = 0; i < 6; i++) {
          const plain = rtcp(i % 2 ? 0xaaaa0001 : 0xbbbb0002, i);
          const sealed = tx.protectRtcp(plain)!;
          assert.equal(sealed.length, plain.length + profile.rtcpTrailer);
          const eIndex = sealed.readUInt32BE(profile.id === GCM ? sealed.length - 4 : sealed.length - 14);
          assert.equal(eIndex, (0x80000000 | i) >>> 0);
          assert.deepEqual(sealed.subarray(0, 8), plain.subarray(0, 8));
          if (plain.length > 8) assert.notDeepEqual(sealed.subarray(8, plain.length), plain.subarray(8));
          assert.deepEqual(rx.unprotectRtcp(sealed), plain);
        }
      });

      it('keeps the rollover counter across 65535 → 0, and a resend of 65530 after the wrap gets its first index', () => {
        const { tx, rx } = pair(profile);
        const sent = new Map<number, { plain: Buffer; sealed: Buffer }>();
        const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
        for (const seq of seqs) {
          const plain = rtp({ seq });
          sent.set(seq, { plain, sealed: tx.protectRtp(plain)! });
        }
        // 65530 and 65533 were lost on the way; the rest arrive (ROC 1 after the wrap).
        for (const seq of seqs.filter((s) => s !== 65530 && s !== 65533)) {
          assert.deepEqual(rx.unprotectRtp(sent.get(seq)!.sealed), sent.get(seq)!.plain, `seq ${seq}`);
        }
        // The NACK answers: the same index as the first time (ROC 0), so the same bytes, and the
        // receiver, past the wrap, takes them as ROC 0 too.
        for (const seq of [65530, 65533]) {
          const resent = tx.protectRtp(sent.get(seq)!.plain)!;
          assert.deepEqual(resent, sent.get(seq)!.sealed, `resend of ${seq}`);
          assert.deepEqual(rx.unprotectRtp(resent), sent.get(seq)!.plain, `resend of ${seq}`);
        }
        // And the stream goes on with ROC 1.
        const next = rtp({ seq: 4 });
        assert.deepEqual(rx.unprotectRtp(tx.protectRtp(next)!), next);
      });

      it('starts a new SSRC at any sequence number, its own rollover counter from 0', () => {
        const { tx, rx } = pair(profile);
        for (const [ssrc, first] of [
          [0x0000aaaa, 40000],
          [0x0000bbbb, 65535],
        ] as const) {
          for (let i = 0; i < 3; i++) {
            const plain = rtp({ ssrc, seq: (first + i) & 0xffff });
            assert.deepEqual(rx.unprotectRtp(tx.protectRtp(plain)!), plain, `ssrc ${ssrc} seq ${first + i}`);
          }
        }
      });

      it('rejects a replayed RTP or RTCP packet and one older than the 1024-packet window, takes a late one within it', () => {
        const { tx, rx } = pair(profile);
        // A NACKed packet comes back on the media SSRC with its own seq, late: libwebrtc's window is 1024 too.
        const sealed = Array.from({ length: 1100 }, (_, seq) => tx.protectRtp(rtp({ seq }))!);
        assert.ok(rx.unprotectRtp(sealed[0]!));
        assert.equal(rx.unprotectRtp(sealed[0]!), null, 'replayed');
        assert.ok(rx.unprotectRtp(sealed[1099]!));
        assert.ok(rx.unprotectRtp(sealed[100]!), '999 behind: late but within the window');
        assert.equal(rx.unprotectRtp(sealed[100]!), null, 'replayed within the window');
        assert.equal(rx.unprotectRtp(sealed[50]!), null, '1049 behind: older than the window');

        const report = tx.protectRtcp(rtcp(0x1234abcd))!;
        const later = tx.protectRtcp(rtcp(0x1234abcd))!;
        assert.ok(rx.unprotectRtcp(later));
        assert.ok(rx.unprotectRtcp(report), 'an earlier SRTCP index arriving late');
        assert.equal(rx.unprotectRtcp(report), null, 'replayed');
        assert.equal(rx.unprotectRtcp(later), null, 'replayed');
      });

      it('rejects a tampered tag, payload, header or SRTCP index, and keys that differ', () => {
        const { tx, rx } = pair(profile);
        const packet = tx.protectRtp(rtp({ seq: 7, extensionWords: 1 }))!;
        const report = tx.protectRtcp(rtcp(0x1234abcd))!;
        const flip = (b: Buffer, at: number) => {
          const copy = Buffer.from(b);
          copy[at]! ^= 0x01;
          return copy;
        };
        for (const at of [packet.length - 1, packet.length - profile.rtpTrailer, 30, 1, 14]) {
          assert.equal(rx.unprotectRtp(flip(packet, at)), null, `RTP byte ${at}`);
        }
        const indexAt = profile.id === GCM ? report.length - 1 : report.length - 11;
        for (const at of [report.length - 1, 4, 10, indexAt]) {
          assert.equal(rx.unprotectRtcp(flip(report, at)), null, `RTCP byte ${at}`);
        }
        const other = pair(profile).rx;
        assert.equal(other.unprotectRtp(packet), null);
        assert.equal(other.unprotectRtcp(report), null);
        // None of those moved the receiver's state: the genuine packets still pass.
        assert.ok(rx.unprotectRtp(packet));
        assert.ok(rx.unprotectRtcp(report));
      });

      it('answers null to every truncation of a protected packet and to malformed plaintext', () => {
        const { tx, rx } = pair(profile);
        const packet = tx.protectRtp(rtp({ seq: 9, csrcs: 2, extensionWords: 3 }))!;
        const report = tx.protectRtcp(rtcp(0x1234abcd))!;
        for (let length = 0; length < packet.length; length++) {
          assert.equal(rx.unprotectRtp(packet.subarray(0, length)), null, `RTP of ${length} bytes`);
        }
        for (let length = 0; length < report.length; length++) {
          assert.equal(rx.unprotectRtcp(report.subarray(0, length)), null, `RTCP of ${length} bytes`);
        }
        const csrcsPastEnd = rtp({ seq: 1, payload: 0 });
        csrcsPastEnd[0] = 0x8f;
        const extensionPastEnd = rtp({ seq: 1, extensionWords: 1, payload: 0 });
        extensionPastEnd.writeUInt16BE(2, 14);
        const version1 = rtp({ seq: 1 });
        version1[0] = 0x40;
        for (const [what, bad] of [
          ['11 bytes', Buffer.alloc(11, 0x80)],
          ['CSRCs past the end', csrcsPastEnd],
          ['an extension past the end', extensionPastEnd],
          ['version 1', version1],
        ] as const) {
          assert.equal(tx.protectRtp(bad), null, what);
        }
        assert.equal(tx.protectRtcp(Buffer.from([0x80, 200, 0, 0])), null, 'RTCP of 4 bytes');
      });

      it('protects a 1200-byte RTP packet in well under the 10 µs forwarding budget', (t) => {
        const ns = pair(profile).tx.benchmarkProtectRtp(1200, 50_000);
        t.diagnostic(`${profile.name}: ${ns.toFixed(0)} ns per 1200-byte RTP packet`);
        assert.ok(ns < 5000, `${ns} ns`);
      });
    });
  }
});
