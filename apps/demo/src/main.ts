/** Entry point: wires the modules together. */
import { setLang, type Lang } from './i18n.js';
import { initErrors } from './errors.js';
import { initSession, setSessionHooks } from './session.js';
import { initDeviceTest, refreshDevices } from './devtest.js';
import { initCall, onInvited, onInviteCancelled } from './call.js';
import { initChat } from './chat.js';
import { contextLost, enterRoom, inRoom, initRoom, leaveRoom } from './room.js';
import { identifier, initLobby } from './lobby.js';

const q = new URLSearchParams(location.search);
setLang((q.get('lang') === 'zh' ? 'zh' : 'en') as Lang);

initErrors();
initSession();
setSessionHooks({ invited: onInvited, inviteCancelled: onInviteCancelled, disconnected: contextLost });
initDeviceTest();
initChat();
initRoom(() => undefined);
initCall({
  identifier,
  enterPair: (roomId) => enterRoom({ identifier: identifier(), roomId, roomType: 'pair', role: 'host' }),
  inRoom,
  leave: leaveRoom,
});
initLobby();
void refreshDevices();
document.body.dataset.ready = '1';
