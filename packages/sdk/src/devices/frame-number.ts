/**
 * The virtual camera writes its frame number into every frame, so tests can tell frames apart
 * after encoding, forwarding and decoding: 16 blocks of 16x16 px along the top-left rows 0–15,
 * bit 15 leftmost, luma 16 for 0 and 235 for 1.
 */
export const FRAME_NUMBER_BITS = 16;
export const FRAME_NUMBER_BLOCK = 16;
const LUMA_ZERO = 16;
const LUMA_ONE = 235;

/** Paints `n` (mod 2^16) into the luma plane (the first `width * height` bytes) of an I420 frame. */
export function writeFrameNumber(i420: Uint8Array, width: number, n: number): void {
  const value = n & 0xffff;
  for (let bit = 0; bit < FRAME_NUMBER_BITS; bit++) {
    const on = (value >> (FRAME_NUMBER_BITS - 1 - bit)) & 1;
    const luma = on ? LUMA_ONE : LUMA_ZERO;
    const x0 = bit * FRAME_NUMBER_BLOCK;
    for (let y = 0; y < FRAME_NUMBER_BLOCK; y++) i420.fill(luma, y * width + x0, y * width + x0 + FRAME_NUMBER_BLOCK);
  }
}

/**
 * Reads the frame number back from a (possibly lossy-decoded) I420 frame of `width` px: the mean
 * luma of each block's 8x8 centre, thresholded halfway between the two levels.
 */
export function readFrameNumber(i420: Uint8Array, width: number): number {
  let value = 0;
  for (let bit = 0; bit < FRAME_NUMBER_BITS; bit++) {
    const x0 = bit * FRAME_NUMBER_BLOCK + 4;
    let sum = 0;
    for (let y = 4; y < 12; y++) for (let x = x0; x < x0 + 8; x++) sum += i420[y * width + x] ?? 0;
    value = (value << 1) | (sum / 64 > (LUMA_ZERO + LUMA_ONE) / 2 ? 1 : 0);
  }
  return value;
}
