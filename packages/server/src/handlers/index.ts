import * as identity from './identity.js';
import * as invite from './invite.js';
import * as media from './media.js';
import * as room from './room.js';
import * as session from './session.js';
import type { HandlerTable } from './types.js';

/** Every method of the protocol and the handler answering it. */
export const handlers: HandlerTable = {
  login: session.login,
  logout: session.logout,
  ping: session.ping,
  'identity.toTinyIds': identity.toTinyIds,
  'identity.toIdentifiers': identity.toIdentifiers,
  'room.enter': room.enter,
  'room.exit': room.exit,
  'room.changeAuthority': room.changeAuthority,
  'room.changeRole': room.changeRole,
  'room.message': room.message,
  'invite.send': invite.send,
  'invite.accept': invite.accept,
  'invite.refuse': invite.refuse,
  'media.publish': media.publish,
  'media.unpublish': media.unpublish,
  'media.subscribe': media.subscribe,
  'media.subscriberAnswer': media.subscriberAnswer,
  'media.subscriberOpen': media.subscriberOpen,
  'media.subscriberReset': media.subscriberReset,
  'media.setLayer': media.setLayer,
  'media.unsubscribe': media.unsubscribe,
  'media.viewStats': media.viewStats,
};
