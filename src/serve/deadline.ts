// Per-request deadlines: scoring that runs past the deadline is ended between two slices of its work and the
// request answers 503 SERVE_DEADLINE_EXCEEDED with Retry-After (src/serve/errors.ts).
import type { FastifyReply } from 'fastify';
import { ServicepathError } from '../errors/index.js';

/** Seconds a client is asked to wait after a deadline answer. */
export const DEADLINE_RETRY_AFTER_S = 2;

/**
 * Runs `work` with a signal that fires `deadlineMs` after the request arrived (the time spent before the handler,
 * reading and validating the body, counts). 0 turns the deadline off.
 */
export async function withDeadline<T>(reply: FastifyReply, deadlineMs: number, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (deadlineMs <= 0) return work(undefined);
  const controller = new AbortController();
  const fire = () => controller.abort(new ServicepathError('SERVE_DEADLINE_EXCEEDED', { deadlineMs }));
  const left = deadlineMs - reply.elapsedTime;
  if (left <= 0) fire();
  const timer = left > 0 ? setTimeout(fire, left) : null;
  try {
    return await work(controller.signal);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
