import createError from '@fastify/error';

/**
 * The catalog of coded errors. Kinds map to one HTTP status each; only the edges (HTTP routes, MQTT ingest,
 * CLI) catch them. 5xx details are logged, never returned.
 */
export const Errors = {
  invalid: createError('SG_INVALID', '%s', 400),
  unauthorized: createError('SG_UNAUTHORIZED', 'missing or invalid token', 401),
  forbidden: createError('SG_FORBIDDEN', '%s', 403),
  notFound: createError('SG_NOT_FOUND', '%s not found', 404),
  conflict: createError('SG_CONFLICT', '%s', 409),
  tooLarge: createError('SG_TOO_LARGE', '%s', 413),
  limited: createError('SG_LIMITED', '%s', 429),
  unavailable: createError('SG_UNAVAILABLE', '%s', 503),
  internal: createError('SG_INTERNAL', 'internal error', 500),
};
