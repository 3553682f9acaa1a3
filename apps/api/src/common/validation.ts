import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, ErrorCode } from '@iot/contracts';

/** Rejects unknown fields and wrong types before any service is asked, with every problem named. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new DomainError(ErrorCode.VALIDATION_FAILED, describe(errors)),
  });
}

function describe(errors: ValidationError[], prefix = ''): string {
  return errors
    .flatMap((e) => {
      const path = `${prefix}${e.property}`;
      const own = Object.values(e.constraints ?? {}).map((m) =>
        m.startsWith(e.property) ? `${prefix}${m}` : `${path}: ${m}`,
      );
      return [...own, ...(e.children?.length ? [describe(e.children, `${path}.`)] : [])];
    })
    .join('; ');
}
