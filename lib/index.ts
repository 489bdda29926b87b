export { createMisskeyReceiver } from "./providers/misskey/index.js";
export type { MisskeyEvents, MisskeyMeta, MisskeyReceiver, MisskeyReceiverOptions } from "./providers/misskey/index.js";

export { WebhookError, isWebhookError } from "./core/errors.js";
export type { WebhookErrorCode, WebhookErrorReason, ValidationIssue } from "./core/errors.js";
export { WebhookReceiver } from "./core/receiver.js";
export type { AnyEvent, EventMap, PatternEvent } from "./core/receiver.js";
export type { EventGroup, EventPattern } from "./core/event-groups.js";
export type { ReceiverOptions, HeaderSecretOptions, GenericAuthOptions } from "./core/options.js";
export type { AuthOptions } from "./core/auth/generic-auth.js";
export type { VerifiableRequest } from "./core/auth/authenticator.js";
export type { UploadedFile } from "./core/request/content-types/multipart.js";
export type {
  WebhookRequest,
  WebhookResponse,
  WebhookEvent,
  UnknownWebhookEvent,
  WebhookEventBase,
  Logger,
  HeaderMap,
} from "./core/types.js";
export { createExpressRouter, type ExpressWebhookReceiver } from "./adapters/express.js";
export type { NodeHandler } from "./adapters/node-handler.js";
export { createFetchHandler, type FetchHandler, type FetchRequestInfo } from "./adapters/fetch-handler.js";
export { createWebhookMiddleware } from "./adapters/webhook-middleware.js";
export { createWebhookFetchHandler } from "./adapters/webhook-fetch-handler.js";
export type { WebhookRoutes, MountableReceiver } from "./adapters/webhook-routes.js";
export { keepRawBody } from "./adapters/keep-raw-body.js";
export { MemoryStore, type MemoryStoreOptions } from "./stores/memory.js";
export type { DedupeStore } from "./stores/types.js";
export { createOkskyReceiver } from "./providers/oksky/index.js";
export type { OkskyEvents, OkskyMeta, OkskyReceiver, OkskyReceiverOptions } from "./providers/oksky/index.js";
export { createKakaoBizmessageReceiver, isKakaoTemplateUpdate } from "./providers/kakao-bizmessage/index.js";
export type {
  KakaoBizmessageEvents,
  KakaoBizmessageMeta,
  KakaoBizmessageReceiver,
  KakaoBizmessageReceiverOptions,
} from "./providers/kakao-bizmessage/index.js";
export { createNhnCloudReceiver } from "./providers/nhn-cloud/index.js";
export type { NhnCloudEvents, NhnCloudMeta, NhnCloudReceiver, NhnCloudReceiverOptions } from "./providers/nhn-cloud/index.js";
export { createOneInboxReceiver } from "./providers/oneinbox/index.js";
export type { OneInboxEvents, OneInboxMeta, OneInboxReceiver, OneInboxReceiverOptions } from "./providers/oneinbox/index.js";
export { createPokepayReceiver } from "./providers/pokepay/index.js";
export type { PokepayEvents, PokepayMeta, PokepayReceiver, PokepayReceiverOptions } from "./providers/pokepay/index.js";

export { RedisStore, type RedisStoreOptions } from "./stores/redis.js";
export { PostgresInbox, PostgresStore, postgresInboxSchema, postgresStoreSchema } from "./postgres/index.js";
export type { PostgresInboxOptions, PostgresStoreOptions } from "./postgres/index.js";
export {
  MemoryInbox,
  SqliteInbox,
  RedisInbox,
  listInbox,
  showInbox,
  replayInbox,
  purgeInbox,
  UnstorableRecordError,
  isUnstorableRecordError,
} from "./inbox/index.js";
export type {
  InboxStore,
  InboxRecord,
  InboxStatus,
  InboxFilter,
  PurgeFilter,
  MemoryInboxOptions,
  SqliteInboxOptions,
  RedisInboxOptions,
  ReplayResult,
  ReplayTarget,
} from "./inbox/index.js";
export type { InboxOptions } from "./core/options.js";
export type {
  ReceiverHooks,
  RequestInfo,
  RejectedInfo,
  VerifiedInfo,
  DispatchedInfo,
  FailedInfo,
  ResponseInfo,
  ListenerInfo,
} from "./core/hooks.js";
export type { SecretContext, SecretResolver } from "./core/auth/resolve-secret.js";
export type { Outcome, RouteMeta } from "./core/types.js";
export { loose, type Loose } from "./core/loose.js";
