/**
 * The AVSDK error contract (shared/spec/avsdk-error-codes.zh.md): 34 codes, each with its meaning,
 * cause and suggestion in Chinese (verbatim from the table) and English (our translation).
 * This is the single source of truth; `ErrorCode`, `AVError` and `hudong errors` derive from it.
 */
export type Lang = 'en' | 'zh';
export type Localized = Readonly<Record<Lang, string>>;
export type ErrorSide = 'client' | 'server';

export interface ErrorEntry {
  readonly code: number;
  readonly name: string;
  readonly side: ErrorSide;
  readonly meaning: Localized;
  readonly cause: Localized;
  readonly suggestion: Localized;
}

const RETRY_AFTER_PREVIOUS: Localized = {
  zh: '等待上一个操作完成后再进行下一个操作。',
  en: 'Wait for the previous operation to finish before starting the next one.',
};
const FIX_CALL_TIMING: Localized = {
  zh: '修改业务侧逻辑，确保调用SDK接口的时机的正确性。',
  en: 'Change the application logic so that the SDK API is called at the right time.',
};
const INVITE_DEMO_ONLY: Localized = {
  zh: '邀请模块只是用于DEMO演示方便用，对外暂不支持邀请功能，所以业务侧不需要处理这些错误码。',
  en: 'The invite module exists for demo convenience and is not an officially supported feature, so applications need not handle these codes.',
};
const ASK_BACKEND: Localized = {
  zh: '分析日志，获取后台返回给客户端的真正错误码，并联系后台同事协助解决。',
  en: "Analyse the logs to find the real error code the backend returned to the client (the error's detail), and ask the backend team for help.",
};
const CAUSE_IN_BACKEND_LOG: Localized = {
  zh: '具体原因需要通过分析日志确认后台返回给客户端的真正错误码才能知道。',
  en: 'The precise reason is only known from the real error code the backend returned to the client; see the logs (and the error detail).',
};

function state(zhState: string, enState: string, zhExample: string, enExample: string): Localized {
  return {
    zh: `当${zhState}，去调用需要处于这个状态才允许调用的接口时，则会产生这个错误。${zhExample}`,
    en: `Raised when an API that requires ${enState} is called while it does not hold.${enExample ? ' ' + enExample : ''}`,
  };
}

export const ERROR_TABLE: readonly ErrorEntry[] = [
  {
    code: 1,
    name: 'AV_ERR_FAILED',
    side: 'client',
    meaning: { zh: '一般错误', en: 'General error' },
    cause: { zh: '具体原因需要通过分析日志等来定位', en: 'The precise reason has to be located by analysing the logs.' },
    suggestion: { zh: '分析日志', en: 'Analyse the logs.' },
  },
  {
    code: 1001,
    name: 'AV_ERR_REPEATED_OPERATION',
    side: 'client',
    meaning: { zh: '重复操作', en: 'Repeated operation' },
    cause: {
      zh: '已经在进行某种操作，再次去做同样的操作，则会产生这个错误。如已经在进入房间过程中，再去做进入房间的操作，就会产生这个错误。操作类别主要有：AVContext类、房间类、设备类、成员类。AVContext类型的操作：StartContext/StopContext。房间类型的操作：EnterRoom/ExitRoom。设备类型的操作：打开/关闭某个设备。成员类型的操作：请求画面/取消画面。',
      en: 'An operation is already in progress and the same operation is requested again, e.g. entering a room while already entering it. Operation categories: context (start/stop), room (enter/exit), device (enable/disable a device), member (request/cancel views).',
    },
    suggestion: RETRY_AFTER_PREVIOUS,
  },
  {
    code: 1002,
    name: 'AV_ERR_EXCLUSIVE_OPERATION',
    side: 'client',
    meaning: { zh: '互斥操作', en: 'Mutually exclusive operation' },
    cause: {
      zh: '已经在进行某种操作，再次去做同类型的其他操作，则会产生这个错误。如在进入房间过程中，去做退出房间的操作，就会产生这个错误。',
      en: 'An operation is in progress and another operation of the same category is requested, e.g. exiting a room while entering it.',
    },
    suggestion: RETRY_AFTER_PREVIOUS,
  },
  {
    code: 1003,
    name: 'AV_ERR_HAS_IN_THE_STATE',
    side: 'client',
    meaning: { zh: '已处于所要状态', en: 'Already in the requested state' },
    cause: {
      zh: '对象已经处于某种状态，再去做使得它进入这种状态的操作时，则会产生这个错误。如已经在房间中，再去做进入房间的操作，就会产生这个错误。',
      en: 'The object is already in the state the operation would bring it to, e.g. entering a room one is already in.',
    },
    suggestion: {
      zh: '由于已经处于所要状态，可以认为该操作已经成功，当作成功来处理。',
      en: 'The object is already in the requested state, so treat the operation as having succeeded.',
    },
  },
  {
    code: 1004,
    name: 'AV_ERR_INVALID_ARGUMENT',
    side: 'client',
    meaning: { zh: '错误参数', en: 'Invalid argument' },
    cause: {
      zh: '调用SDK接口时，传入错误的参数，则会产生这个错误。如进入房间时，传入的房间类型不等于AVRoom::ROOM_TYPE_PAIR或AVRoom::ROOM_TYPE_MULTI，就会产生这个错误。',
      en: "An SDK API was called with an invalid argument, e.g. entering a room with a room type other than 'pair' or 'multi'.",
    },
    suggestion: {
      zh: '详细阅读API文档，搞清楚每个接口的每个参数的有效取值范围，确认哪些参数没有按照规范来取值，保证传入参数的正确性并进行相应的预防处理。',
      en: 'Read the API documentation for the valid range of every parameter, find which argument is out of range, pass correct values and guard against bad input.',
    },
  },
  {
    code: 1005,
    name: 'AV_ERR_TIMEOUT',
    side: 'client',
    meaning: { zh: '超时', en: 'Timeout' },
    cause: {
      zh: '进行某个操作，在规定的时间内，还未返回操作结果，则会产生这个错误。多数情况下，涉及到信令传输的、且网络出问题的情况下，才容易产生这个错误。如执行进入房间操作时，30s后还没有返回进入房间操作完成的结果的话，就会产生这个错误。',
      en: 'An operation returned no result within its time limit. This mostly happens to signalling when the network has problems, e.g. entering a room has not completed after 30 s.',
    },
    suggestion: { zh: '确认网络是否有问题，并尝试重试。', en: 'Check the network and retry.' },
  },
  {
    code: 1006,
    name: 'AV_ERR_NOT_IMPLEMENTED',
    side: 'client',
    meaning: { zh: '未实现', en: 'Not implemented' },
    cause: { zh: '调用SDK接口时，如果相应的功能还未支持，则会产生这个错误。', en: 'The SDK does not support the requested feature yet.' },
    suggestion: { zh: '暂不支持该功能，找其他替代方案。', en: 'The feature is not supported yet; use an alternative.' },
  },
  {
    code: 1007,
    name: 'AV_ERR_NOT_IN_MAIN_THREAD',
    side: 'client',
    meaning: { zh: '不在主线程', en: 'Not on the main thread' },
    cause: {
      zh: 'SDK对外接口要求在主线程执行，如果业务侧调用SDK接口时，没有在主线程调用，则会产生这个错误。',
      en: 'SDK APIs must be called on the main thread; the application called one from another thread (a worker).',
    },
    suggestion: { zh: '修改业务侧逻辑，确保在主线程调用SDK接口。', en: 'Change the application so that it calls SDK APIs on the main thread.' },
  },
  {
    code: 1008,
    name: 'AV_ERR_RESOURCE_IS_OCCUPIED',
    side: 'client',
    meaning: { zh: '资源被占用', en: 'Resource is occupied' },
    cause: {
      zh: '当需要用到某种资源，如摄像头、屏幕等，而这些资源已经被占用了，则会产生这个错误。',
      en: 'A resource the operation needs, such as a camera or the screen, is already held by someone else.',
    },
    suggestion: {
      zh: '确认具体要用到哪些资源，及这样资源被谁占用了，确保在正确的时机使用SDK相关功能以保证资源使用不冲突。',
      en: 'Find which resource is needed and who holds it, and use the SDK feature at a time when it does not conflict.',
    },
  },
  {
    code: 1101,
    name: 'AV_ERR_CONTEXT_NOT_EXIST',
    side: 'client',
    meaning: { zh: 'AVContext对象未处于CONTEXT_STATE_STARTED状态', en: "AVContext is not in the 'started' state" },
    cause: state('AVContext对象未处于CONTEXT_STATE_STARTED状态', 'a started AVContext', '', ''),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1102,
    name: 'AV_ERR_CONTEXT_NOT_STOPPED',
    side: 'client',
    meaning: { zh: 'AVContext对象未处于CONTEXT_STATE_STOPPED状态', en: "AVContext is not in the 'stopped' state" },
    cause: state(
      'AVContext对象未处于CONTEXT_STATE_STOPPED状态',
      'a stopped AVContext',
      '如不在这种状态下，去调用AVContext::DestroyContext时，就会产生这个错误。',
      'E.g. calling destroy() while the context is not stopped.',
    ),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1201,
    name: 'AV_ERR_ROOM_NOT_EXIST',
    side: 'client',
    meaning: { zh: 'AVRoom对象未处于ROOM_STATE_ENTERED状态', en: "AVRoom is not in the 'entered' state" },
    cause: state('AVRoom对象未处于ROOM_STATE_ENTERED状态', 'an entered AVRoom', '', ''),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1202,
    name: 'AV_ERR_ROOM_NOT_EXITED',
    side: 'client',
    meaning: { zh: 'AVRoom对象未处于ROOM_STATE_EXITED状态', en: "AVRoom is not in the 'exited' state" },
    cause: state(
      'AVRoom对象未处于ROOM_STATE_EXITED状态',
      'the AVRoom to be exited',
      '如不在这种状态下，去调用AVContext::StopContext时，就会产生这个错误。',
      'E.g. calling ctx.stop() while a room is not exited.',
    ),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1301,
    name: 'AV_ERR_DEVICE_NOT_EXIST',
    side: 'client',
    meaning: { zh: '设备不存在', en: 'Device does not exist' },
    cause: {
      zh: '当设备不存在或者设备初始化未完成时，去使用设备，则会产生这个错误。',
      en: 'A device was used that does not exist or has not finished initialising.',
    },
    suggestion: {
      zh: '确认设备是否真的存在，确保设备id填写的正确性，确保在设备初始化成功后再去使用设备。',
      en: 'Check that the device really exists and its id is correct, and use it only after it has initialised.',
    },
  },
  {
    code: 1401,
    name: 'AV_ERR_ENDPOINT_NOT_EXIST',
    side: 'client',
    meaning: { zh: 'AVEndpoint对象不存在', en: 'AVEndpoint does not exist' },
    cause: {
      zh: '当成员没有在发语音或视频时，去获取它的AVEndpoint对象时，就可能产生这个错误。',
      en: 'The member whose AVEndpoint was asked for is not in the room (or sends neither audio nor video).',
    },
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1402,
    name: 'AV_ERR_ENDPOINT_HAS_NOT_VIDEO',
    side: 'client',
    meaning: { zh: '成员没有发视频', en: 'Member sends no video' },
    cause: {
      zh: '当成员没有在发视频时，去做需要成员发视频的相关操作时，就可能产生这个错误。如当某个成员没有发送视频时，去请求他的画面，就会产生这个错误。',
      en: "An operation needs the member's video while the member sends none, e.g. requesting the view of a member who sends no video of that source.",
    },
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1501,
    name: 'AV_ERR_TINYID_TO_OPENID_FAILED',
    side: 'client',
    meaning: { zh: 'tinyid转identifier失败', en: 'tinyid to identifier conversion failed' },
    cause: {
      zh: '当收到某个成员信息更新的信令时，需要去把tinyid转成identifier，如果IMSDK库相关逻辑存在问题、网络存在问题等，则会产生这个错误。',
      en: 'A tinyid had to be converted to its identifier (e.g. on a member update) and the identity service could not do it, because of a logic problem or the network.',
    },
    suggestion: {
      zh: '确认网络是否存在问题，查看日志确认IMSDK相关逻辑是否存在问题。',
      en: 'Check the network, and check the logs for problems in the identity (login) logic.',
    },
  },
  {
    code: 1502,
    name: 'AV_ERR_OPENID_TO_TINYID_FAILED',
    side: 'client',
    meaning: { zh: 'identifier转tinyid失败', en: 'identifier to tinyid conversion failed' },
    cause: {
      zh: '当调用StartContext接口时，需要去把identifier转成tinyid，如果IMSDK库相关逻辑存在问题、网络存在问题、没有处于登录态时等，则会产生这个错误。',
      en: 'An identifier had to be converted to its tinyid (as ctx.start does) and it failed: a logic problem in the identity service, the network, or not being logged in.',
    },
    suggestion: {
      zh: '确认网络是否存在问题，查看日志确认IMSDK相关逻辑是否存在问题，确认已经成功调用IMSDK的登录接口。',
      en: 'Check the network, check the logs for problems in the identity (login) logic, and make sure the login succeeded.',
    },
  },
  {
    code: 1601,
    name: 'AV_ERR_DEVICE_TEST_NOT_EXIST',
    side: 'client',
    meaning: {
      zh: 'AVDeviceTest对象未处于DEVICE_TEST_STATE_STARTED状态(windows特有)',
      en: "AVDeviceTest is not in the 'started' state",
    },
    cause: state('AVDeviceTest对象未处于DEVICE_TEST_STATE_STARTED状态', 'a started device test', '', ''),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1602,
    name: 'AV_ERR_DEVICE_TEST_NOT_STOPPED',
    side: 'client',
    meaning: {
      zh: 'AVDeviceTest对象未处于DEVICE_TEST_STATE_STOPPED状态（windows特有）',
      en: "AVDeviceTest is not in the 'stopped' state",
    },
    cause: state(
      'AVDeviceTest对象未处于DEVICE_TEST_STATE_STOPPED状态',
      'a stopped device test',
      '如不在这种状态下，去调用AVContext::StopContext时，就会产生这个错误。',
      'E.g. calling ctx.stop() while a device test runs.',
    ),
    suggestion: FIX_CALL_TIMING,
  },
  {
    code: 1801,
    name: 'AV_ERR_INVITE_FAILED',
    side: 'client',
    meaning: { zh: '发送邀请失败', en: 'Sending the invite failed' },
    cause: { zh: '发送邀请时产生的失败。', en: 'The invite could not be sent or was not accepted (see detail).' },
    suggestion: INVITE_DEMO_ONLY,
  },
  {
    code: 1802,
    name: 'AV_ERR_ACCEPT_FAILED',
    side: 'client',
    meaning: { zh: '接受邀请失败', en: 'Accepting the invite failed' },
    cause: { zh: '接受邀请时产生的失败。', en: 'The invite could not be accepted (see detail).' },
    suggestion: INVITE_DEMO_ONLY,
  },
  {
    code: 1803,
    name: 'AV_ERR_REFUSE_FAILED',
    side: 'client',
    meaning: { zh: '拒绝邀请失败', en: 'Refusing the invite failed' },
    cause: { zh: '拒绝邀请时产生的失败。', en: 'The invite could not be refused (see detail).' },
    suggestion: INVITE_DEMO_ONLY,
  },
  {
    code: 10001,
    name: 'AV_ERR_SERVER_FAILED',
    side: 'server',
    meaning: { zh: '一般错误', en: 'General server error' },
    cause: CAUSE_IN_BACKEND_LOG,
    suggestion: ASK_BACKEND,
  },
  {
    code: 10002,
    name: 'AV_ERR_SERVER_INVALID_ARGUMENT',
    side: 'server',
    meaning: { zh: '错误参数', en: 'Invalid argument (server)' },
    cause: {
      zh: '调用SDK接口时，或SDK内部发送信令给后台时，传了错误的参数，具体原因需要通过分析日志确认后台返回给客户端的真正错误码才能知道。',
      en: 'An SDK call, or a signalling message the SDK sent to the backend, carried an invalid parameter; the real backend code (see detail and logs) tells which.',
    },
    suggestion: {
      zh: '确保调用SDK接口时所传的参数的正确性。分析日志，获取后台返回给客户端的真正错误码，并联系后台同事协助解决。',
      en: 'Make sure the arguments passed to the SDK are correct. ' + ASK_BACKEND.en,
    },
  },
  {
    code: 10003,
    name: 'AV_ERR_SERVER_NO_PERMISSION',
    side: 'server',
    meaning: { zh: '没有权限', en: 'No permission' },
    cause: {
      zh: '没有权限使用某个功能，具体原因需要通过分析日志确认后台返回给客户端的真正错误码才能知道。如进入房间时所带的签名错误或过期，就会产生这个错误。',
      en: 'No permission to use a feature; the real backend code (see detail and logs) tells why. E.g. entering a room with a wrong or expired signature.',
    },
    suggestion: {
      zh: '确保在设置正确的权限参数后才去使用相应的功能。分析日志，获取后台返回给客户端的真正错误码，并联系后台同事协助解决。',
      en: 'Use the feature only after setting correct permission parameters (UserSig, privilege key, auth bits). ' + ASK_BACKEND.en,
    },
  },
  {
    code: 10004,
    name: 'AV_ERR_SERVER_TIMEOUT',
    side: 'server',
    meaning: { zh: '超时', en: 'Server timeout' },
    cause: CAUSE_IN_BACKEND_LOG,
    suggestion: ASK_BACKEND,
  },
  {
    code: 10005,
    name: 'AV_ERR_SERVER_ALLOC_RESOURCE_FAILED',
    side: 'server',
    meaning: { zh: '资源不够', en: 'Out of resources' },
    cause: {
      zh: '执行某些操作时，需要分配更多的资源(如内存)失败了，或者超过最大的资源限制(如超过最大的房间成员人数)，则会产生这个错误。具体原因需要通过分析日志确认后台返回给客户端的真正错误码才能知道。',
      en: 'An operation needed more resources (such as memory) and could not get them, or exceeded a resource limit (such as the maximum number of room members); the real backend code (see detail and logs) tells which.',
    },
    suggestion: ASK_BACKEND,
  },
  {
    code: 10006,
    name: 'AV_ERR_SERVER_ID_NOT_IN_ROOM',
    side: 'server',
    meaning: { zh: '不在房间内', en: 'Not in the room' },
    cause: {
      zh: '在不在房间内时，去执行某些操作，则会产生这个错误。具体原因需要通过分析日志确认后台返回给客户端的真正错误码才能知道。',
      en: 'An operation that needs room membership was performed while, to the server, the caller is not in the room; the real backend code (see detail and logs) tells which.',
    },
    suggestion: ASK_BACKEND,
  },
  {
    code: 10007,
    name: 'AV_ERR_SERVER_NOT_IMPLEMENT',
    side: 'server',
    meaning: { zh: '未实现', en: 'Not implemented (server)' },
    cause: { zh: '调用SDK接口时，如果相应的功能还未支持，则会产生这个错误。', en: 'The server does not support the requested feature yet.' },
    suggestion: { zh: '暂不支持该功能，找其他替代方案。', en: 'The feature is not supported yet; use an alternative.' },
  },
  {
    code: 10008,
    name: 'AV_ERR_SERVER_REPEATED_OPERATION',
    side: 'server',
    meaning: { zh: '重复操作', en: 'Repeated operation (server)' },
    cause: CAUSE_IN_BACKEND_LOG,
    suggestion: ASK_BACKEND,
  },
  {
    code: 10009,
    name: 'AV_ERR_SERVER_ROOM_NOT_EXIST',
    side: 'server',
    meaning: { zh: '房间不存在', en: 'Room does not exist' },
    cause: { zh: '房间不存在时，去执行某些操作，则会产生这个错误。', en: 'An operation was performed on a room that does not exist.' },
    suggestion: ASK_BACKEND,
  },
  {
    code: 10010,
    name: 'AV_ERR_SERVER_ENDPOINT_NOT_EXIST',
    side: 'server',
    meaning: { zh: '成员不存在', en: 'Member does not exist' },
    cause: {
      zh: '某个成员不存在时，去执行该成员相关的操作，则会产生这个错误。',
      en: 'An operation concerning a member was performed while that member does not exist.',
    },
    suggestion: ASK_BACKEND,
  },
  {
    code: 10011,
    name: 'AV_ERR_SERVER_INVALID_ABILITY',
    side: 'server',
    meaning: { zh: '错误能力', en: 'Invalid ability' },
    cause: CAUSE_IN_BACKEND_LOG,
    suggestion: ASK_BACKEND,
  },
];

const BY_CODE = new Map(ERROR_TABLE.map((e) => [e.code, e]));
const BY_NAME = new Map(ERROR_TABLE.map((e) => [e.name, e]));

/** The table entry of a code or name, or undefined. */
export function lookupError(codeOrName: number | string): ErrorEntry | undefined {
  if (typeof codeOrName === 'number') return BY_CODE.get(codeOrName);
  const asNumber = Number(codeOrName);
  return Number.isInteger(asNumber) ? BY_CODE.get(asNumber) : BY_NAME.get(codeOrName.toUpperCase());
}
