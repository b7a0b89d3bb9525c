/**
 * RTP/RTCP packet logic of the SFU: pure units over raw (decrypted) packets, no I/O and no timers;
 * every time-dependent method takes `nowMs` from the caller.
 */
export { RtpHeader, isRtcp, rewriteRtpHeader } from './rtp-header.js';
export {
  parseRtcp,
  type RtcpItem,
  type SenderReport,
  type ReceiverReport,
  type ReportBlock,
  type Bye,
  type Nack,
  type TransportCc,
  type Pli,
  type Fir,
  type FirEntry,
  type Remb,
} from './rtcp.js';
export { buildNack, buildPli, buildFir, buildRemb, buildSenderReport, buildReceiverReport, type SenderReportInit } from './rtcp-builders.js';
export { seqDelta, SeqUnwrapper } from './seq-math.js';
export { SeqRewriter, type RewrittenSeq } from './seq-rewriter.js';
export { RetransmissionBuffer } from './retransmission-buffer.js';
export { NackGenerator, type NackGeneratorOptions } from './nack-generator.js';
export { KeyframeThrottle, type KeyframeRequest } from './keyframe-throttle.js';
export { BandwidthEstimator, type BandwidthEstimatorOptions } from './bandwidth-estimator.js';
export { SenderReportGenerator, msToNtp, ntpToMs, type SourceClock } from './sender-report.js';
export { ReceptionStats } from './reception-stats.js';
export { SentHistory, type SentOriginal } from './sent-history.js';
export { Vp8Rewriter, parseVp8Descriptor, isKeyframe as isVp8Keyframe, type Vp8Descriptor } from './vp8.js';
export { isKeyframe as isH264Keyframe } from './h264.js';
export {
  SimulcastSelector,
  type SelectorDecision,
  type SimulcastLayer,
  type SimulcastSelectorOptions,
  type WantedLayer,
} from './simulcast-selector.js';
