import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ErrorCode } from '@iot/contracts';
import { ERROR_STATUS } from './error-status';

/** Every error leaves the API as `{code, message}` with the status its code maps to. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof DomainError) {
      res
        .status(ERROR_STATUS[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR)
        .json({ code: error.code, message: error.message });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code =
        status === 404
          ? 'NOT_FOUND'
          : status === 401
            ? ErrorCode.UNAUTHORIZED
            : status < 500
              ? ErrorCode.VALIDATION_FAILED
              : ErrorCode.INTERNAL;
      res.status(status).json({ code, message: messageOf(error) });
      return;
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    res.status(500).json({ code: ErrorCode.INTERNAL, message: 'Internal error' });
  }
}

function messageOf(error: HttpException): string {
  const body = error.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : error.message;
}
