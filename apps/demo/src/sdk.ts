/**
 * The SDK, loaded at runtime from the bundle `hudong serve` serves (as a user's page would), typed
 * from @hudong/sdk.
 */
import type * as Sdk from '@hudong/sdk';

export type { AVContext, AVRoom, AVError, AVView, Invitation, DeviceInfo, ConnectionState } from '@hudong/sdk';

const SDK_URL = '/sdk/hudong.js';
export const sdk = (await import(/* runtime URL */ SDK_URL)) as typeof Sdk;
