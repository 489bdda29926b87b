export { misskeyDelivery, misskeyPayload, misskeyEventNames, type MisskeyDeliveryOptions } from "./samples/misskey.js";
export { encodeBody, makeDelivery, type Delivery } from "./delivery.js";
export { toFormFields, encodeUrlencoded, encodeMultipart, type SampleContentType } from "./encode.js";
