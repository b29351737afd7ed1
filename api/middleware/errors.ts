import { StorageUnavailableError, toAppError } from '../../lib/errors.js';
import type { AppContext } from '../route.js';

/**
 * The first middleware: every error becomes the SPEC envelope `{"error": {code, message, details?}}`.
 * Unexpected errors are logged with the request id and answered with a generic 500.
 */
export async function errorHandler(ctx: AppContext, next: () => Promise<unknown>) {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'No such route.' } };
    } else if (ctx.status === 405 && !ctx.body) {
      ctx.status = 405;
      ctx.body = { error: { code: 'method_not_allowed', message: `${ctx.method} is not allowed here.` } };
    }
  } catch (err) {
    const appErr = toAppError(err);
    if (appErr.status >= 500 && appErr.code === 'internal_error') {
      ctx.state.log?.error({ err }, 'unhandled error');
    } else if (appErr.code === 'database_unavailable' && err !== appErr) {
      ctx.state.log?.warn({ err: (err as Error)?.message }, 'database unavailable');
    } else if (appErr instanceof StorageUnavailableError) {
      const cause = appErr.cause as { message?: string; code?: string; name?: string } | undefined;
      ctx.state.log?.warn(
        { operation: appErr.operation, cause: cause?.code ?? cause?.name, err: cause?.message },
        'storage unavailable',
      );
    }
    ctx.status = appErr.status;
    if (appErr.headers) ctx.set(appErr.headers);
    ctx.body = {
      error: {
        code: appErr.code,
        message: appErr.message,
        ...(appErr.details?.length ? { details: appErr.details } : {}),
      },
    };
  }
}
