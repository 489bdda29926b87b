/** Span attribute names, after OpenTelemetry's semantic conventions where one exists. */
export const WEBHOOK_ATTRIBUTES = {
  provider: "webhook.provider",
  /** The event name as sent (also an unknown one: attributes are not indexed like span names). */
  event: "webhook.event",
  eventKnown: "webhook.event.known",
  deliveryId: "webhook.delivery_id",
  /** `"ok"`, `"duplicate"` or the error code. */
  outcome: "webhook.outcome",
  /** True on the span of an inbox retry. */
  retry: "webhook.retry",
  /** Position of the listener among those the event goes to. */
  listenerIndex: "webhook.listener.index",
  method: "http.request.method",
  status: "http.response.status_code",
  /** The error code of a refusal or failure. */
  errorType: "error.type",
} as const;
