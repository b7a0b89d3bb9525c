/** UI strings in English and Chinese; elements carry data-i18n / data-i18n-placeholder keys. */
export type Lang = 'en' | 'zh';

const en = {
  title: 'Hudong live demo',
  identifier: 'Your identifier',
  roomId: 'Room number',
  role: 'Role',
  roleHost: 'Host',
  roleAudience: 'Audience',
  enter: 'Enter room',
  langToggle: '中文',
  devices: 'Devices',
  camera: 'Camera',
  mic: 'Microphone',
  speaker: 'Speaker',
  defaultDevice: 'Default',
  devtest: 'Device test',
  devtestStart: 'Start test',
  devtestStop: 'Stop test',
  micLevel: 'Mic level',
  call: '1:1 call',
  callPeer: 'Peer identifier',
  callStart: 'Call',
  calling: 'Calling {peer}…',
  incomingCall: '{from} is calling you',
  accept: 'Accept',
  refuse: 'Refuse',
  leave: 'Leave',
  room: 'Room {room}',
  pairRoom: 'Call room {room}',
  members: 'Members',
  me: 'me',
  chat: 'Chat',
  liveNow: 'Live now',
  liveEmpty: 'Nobody is live. Enter a room as host to go live.',
  liveRoom: 'Room {room}',
  liveCount: '{n} in the room',
  kick: 'Remove',
  endLive: 'End the live',
  chatPlaceholder: 'Say something…',
  send: 'Send',
  requestCohost: 'Request to co-host',
  cohostRequested: 'Request sent…',
  endCohost: 'Stop co-hosting',
  cohostRequests: 'Co-host requests',
  wantsCohost: '{id} wants to co-host',
  screenShare: 'Share screen',
  screenLabel: 'screen',
  screenStop: 'Stop sharing',
  cameraOn: 'Camera on',
  cameraOff: 'Camera off',
  micOn: 'Mic on',
  micOff: 'Mic off',
  stageEmpty: 'Nobody is on camera yet',
  you: 'You',
  error: 'Error',
  code: 'Code',
  name: 'Name',
  meaning: 'Meaning',
  cause: 'Cause',
  suggestion: 'What to do',
  dismiss: 'Dismiss',
  state_connected: 'connected',
  state_reconnecting: 'reconnecting',
  state_disconnected: 'offline',
  needIdentifier: 'Enter an identifier first.',
  needRoom: 'Enter a room number (1–4294967295).',
  needPeer: 'Enter the identifier of the peer to call.',
  loggedInAs: 'Signed in as {id}',
  notLoggedIn: 'Not signed in',
  roleLabelHost: 'host',
  roleLabelAudience: 'audience',
  roleLabelCohost: 'co-host',
  watching: '+{n} watching',
};
export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  title: '互动直播演示',
  identifier: '你的账号',
  roomId: '房间号',
  role: '角色',
  roleHost: '主播',
  roleAudience: '观众',
  enter: '进入房间',
  langToggle: 'English',
  devices: '设备',
  camera: '摄像头',
  mic: '麦克风',
  speaker: '扬声器',
  defaultDevice: '默认',
  devtest: '设备测试',
  devtestStart: '开始测试',
  devtestStop: '停止测试',
  micLevel: '麦克风音量',
  call: '一对一通话',
  callPeer: '对方账号',
  callStart: '呼叫',
  calling: '正在呼叫 {peer}…',
  incomingCall: '{from} 邀请你通话',
  accept: '接听',
  refuse: '拒绝',
  leave: '退出',
  room: '房间 {room}',
  pairRoom: '通话房间 {room}',
  members: '成员',
  me: '我',
  chat: '聊天',
  liveNow: '正在直播',
  liveEmpty: '暂无直播。以主播身份进入房间即可开播。',
  liveRoom: '房间 {room}',
  liveCount: '{n} 人在房间',
  kick: '移出',
  endLive: '结束直播',
  chatPlaceholder: '说点什么…',
  send: '发送',
  requestCohost: '申请连麦',
  cohostRequested: '已申请…',
  endCohost: '结束连麦',
  cohostRequests: '连麦申请',
  wantsCohost: '{id} 申请连麦',
  screenShare: '共享屏幕',
  screenLabel: '屏幕',
  screenStop: '停止共享',
  cameraOn: '打开摄像头',
  cameraOff: '关闭摄像头',
  micOn: '打开麦克风',
  micOff: '关闭麦克风',
  stageEmpty: '还没有人打开摄像头',
  you: '你',
  error: '错误',
  code: '错误码',
  name: '名称',
  meaning: '含义',
  cause: '原因',
  suggestion: '建议',
  dismiss: '关闭',
  state_connected: '已连接',
  state_reconnecting: '重连中',
  state_disconnected: '未连接',
  needIdentifier: '请先输入账号。',
  needRoom: '请输入房间号（1–4294967295）。',
  needPeer: '请输入要呼叫的对方账号。',
  loggedInAs: '已登录：{id}',
  notLoggedIn: '未登录',
  roleLabelHost: '主播',
  roleLabelAudience: '观众',
  roleLabelCohost: '连麦',
  watching: '+{n} 人观看',
};

const tables: Record<Lang, Record<Key, string>> = { en, zh };
let current: Lang = 'en';
const listeners: Array<(lang: Lang) => void> = [];

export function lang(): Lang {
  return current;
}

/** A UI string in the current language, `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return tables[current][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** Switches the language, re-translates the static markup and tells the listeners. */
export function setLang(next: Lang): void {
  current = next;
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  translate(document.body);
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn: (lang: Lang) => void): void {
  listeners.push(fn);
}

export function translate(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as Key);
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder as Key);
  document.title = t('title');
}
