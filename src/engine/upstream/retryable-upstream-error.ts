import { UpstreamFailedError } from "../engine-errors.js";

/**
 * A failure worth trying another endpoint for, when nothing was sent yet: the endpoint is unreachable, reset
 * the connection, is overloaded (429) or failed (5xx).
 */
export class RetryableUpstreamError extends UpstreamFailedError {
  constructor(
    message: string,
    /** Nothing answered at all (refused, reset): the endpoint's breaker opens at once. */
    readonly unreachable: boolean,
    readonly overloaded: boolean,
  ) {
    super(message, false);
  }
}
