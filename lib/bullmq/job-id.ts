/**
 * The BullMQ job id of a delivery key (`misskey:<id>`, `misskey:@tenant=acme:<id>`): the key
 * with `%` written `%25` and `:` written `%3A`.
 *
 * BullMQ refuses a custom id holding `:` (other than its legacy `a:b:c` form, which would let
 * a tenant key through and refuse a plain one) and ids that read as integers; keys always start
 * with the provider's name, so only `:` needs escaping. The mapping is reversible (every `%` in
 * an id starts an escape), hence one-to-one: two keys never share a job.
 *
 * @example
 * const job = await queue.getJob(jobIdOfKey(`misskey:${eventId}`));
 */
export function jobIdOfKey(key: string): string {
  return key.replaceAll("%", "%25").replaceAll(":", "%3A");
}

/** The delivery key of a job id made by {@link jobIdOfKey}. */
export function keyOfJobId(jobId: string): string {
  return jobId.replace(/%(25|3A)/g, (escape) => (escape === "%25" ? "%" : ":"));
}
