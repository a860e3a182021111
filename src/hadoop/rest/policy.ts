import { TsparkError } from '../../errors.js';
import {
  HadoopHttpError,
  HadoopRemoteError,
  HadoopUnreachableError,
  NoActiveServerError,
  StandbyError,
} from './errors.js';

/**
 * When a failed REST call may be repeated, and when to move on to the next
 * HA server. Shared by WebHDFS and the RM client so both behave alike.
 *
 * - Connection never made (refused, DNS): always safe, nothing reached the server.
 * - Connection broke after sending (reset, timeout) or the server answered 5xx:
 *   only for idempotent operations; a RENAME or APPEND may already have happened.
 * - The server refused before acting (standby, safe mode, RetriableException):
 *   always safe.
 * - Any other 4xx: never; the server decided.
 */
export function isRetriableFailure(error: unknown, idempotent: boolean): boolean {
  if (error instanceof HadoopUnreachableError) return !error.maybeDelivered || idempotent;
  if (error instanceof NoActiveServerError)
    return error.retriable && error.failures.every((f) => isRetriableFailure(f, idempotent));
  if (error instanceof HadoopRemoteError) {
    if (error.kind === 'other') return error.httpStatus >= 500 && idempotent;
    return error.retriable;
  }
  if (error instanceof HadoopHttpError) return error.httpStatus >= 500 && idempotent;
  return error instanceof TsparkError && error.retriable && idempotent;
}

/** Whether to try the next HA server after this failure (rather than fail or retry the same). */
export function shouldFailOver(error: unknown, idempotent: boolean): boolean {
  if (error instanceof StandbyError) return true;
  if (error instanceof HadoopUnreachableError) return !error.maybeDelivered || idempotent;
  return false;
}
