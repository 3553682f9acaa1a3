import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { AuthModule } from './auth.module';
import { loadAuthConfig } from './config/auth.env';

void runApp(() => {
  const config = loadAuthConfig();
  return { module: AuthModule.forRoot(config), port: config.AUTH_HTTP_PORT };
});
