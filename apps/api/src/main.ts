import 'reflect-metadata';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { runApp } from '@iot/runtime';
import { ApiModule } from './api.module';
import { validationPipe } from './common/validation';
import { loadApiConfig } from './config/api.env';

void runApp(() => {
  const config = loadApiConfig();
  return {
    module: ApiModule.forRoot(config),
    port: config.HTTP_PORT,
    configure: (app) => {
      app.useGlobalPipes(validationPipe());
      const document = SwaggerModule.createDocument(
        app,
        new DocumentBuilder().setTitle('IoT platform API').setVersion('1').addBearerAuth().build(),
      );
      SwaggerModule.setup('docs', app, document);
    },
  };
});
