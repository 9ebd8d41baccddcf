/** HTTP error bodies the simulator answers with (shapes per chatwoot-api.md §2–§3). */

/** Thrown by handlers; the server answers `status` with `body` (JSON, or text when a string). */
export class SimHttpError extends Error {
  override readonly name = 'SimHttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`simulated ${status}`);
  }
}

/** 404 `{"error":"Resource could not be found"}`. */
export function notFound(): SimHttpError {
  return new SimHttpError(404, { error: 'Resource could not be found' });
}

/** 422 `{"error": message}` (missing params, message-create failures). */
export function unprocessable(message: string): SimHttpError {
  return new SimHttpError(422, { error: message });
}

/** 500 with a Rails-like default body (unrescued RecordNotUnique, ArgumentError). */
export function internalError(exception: string): SimHttpError {
  return new SimHttpError(500, { status: 500, error: 'Internal Server Error', exception });
}

/** A model validation failure: `[attribute, full message]`. */
export type ValidationFailure = [attribute: string, message: string];

/** 422 `{message, attributes}` built from model validation failures (RecordInvalid). */
export function recordInvalid(failures: ValidationFailure[]): SimHttpError {
  return new SimHttpError(422, {
    message: failures.map(([, message]) => message).join(', '),
    attributes: [...new Set(failures.map(([attribute]) => attribute))],
  });
}
