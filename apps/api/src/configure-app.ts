import { INestApplication, PipeTransform, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BodyLimitsPipe } from './http/body-limits.pipe';
import { installBodyParsers } from './http/body-parsers';
import { IntakeHotPath } from './returns/intake-hot-path';
import { installAdminPages } from './admin/admin-pages';

/** How every body, query and parameter is validated; Nest's error shape: { statusCode: 400, error, message: [ "field ..." ] }. */
export const VALIDATION: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  validationError: { target: false, value: false },
};

/** Every parameter's pipes, in order: a body no handler could take refused first (text PostgreSQL cannot store, nesting too deep), then validation. */
export function globalPipes(): PipeTransform[] {
  return [new BodyLimitsPipe(), new ValidationPipe(VALIDATION)];
}

/**
 * Body parsers, pipes, the intake hot path, the admin's pages and docs shared by `main.ts` and the end-to-end tests, so tests exercise the
 * same validation the service runs with.
 */
export function configureApp(app: INestApplication): void {
  installBodyParsers(app);
  app.useGlobalPipes(...globalPipes());
  app.get(IntakeHotPath).install(app.getHttpServer());
  installAdminPages(app);
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Returns service')
      .setDescription(
        'After-sales backend: return intake and review, logistics, inspection, refund and notification. ' +
          'Money is an integer in minor units with an ISO currency beside it; errors carry a stable `code` where one applies.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key; one role per key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
}
