import { Injectable, Logger, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { projectRoot } from '@passerelle/contracts';
import { consoleSignInConfig } from '@passerelle/platform';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the console is served: the single-page app built by `npm run build` (apps/console). */
export const CONSOLE_PATH = '/console';

/**
 * The built console's folder: PASSERELLE_CONSOLE_DIR, or `dist/console` of the project this
 * file belongs to, so the compiled gateway (dist/apps/…) and the sources under test find the
 * same build.
 */
export function consoleAssetsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PASSERELLE_CONSOLE_DIR) return resolve(env.PASSERELLE_CONSOLE_DIR);
  return join(projectRoot(), 'dist', 'console');
}

/**
 * Everything the page needs comes from the hub itself: no other origin, no inline script.
 * Inline styles are allowed for the charts, which size their canvases through style attributes.
 * The one exception: the configured OpenID Connect provider, whose discovery document and token
 * endpoint the console calls (the browser is sent to its authorization endpoint by navigation,
 * which connect-src does not govern).
 */
export function contentSecurityPolicy(env: NodeJS.ProcessEnv = process.env): string {
  const provider = consoleSignInConfig(env);
  const connect = provider ? `'self' ${new URL(provider.issuer).origin}` : "'self'";
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;
}

/**
 * Serves the console's files at /console/ (any other path under it gets index.html, the app
 * routes itself). Hashed assets are cached for good; index.html is checked every time.
 */
export function consoleModule(dir = consoleAssetsDir()): DynamicModule {
  const policy = contentSecurityPolicy();
  return ServeStaticModule.forRoot({
    rootPath: dir,
    serveRoot: CONSOLE_PATH,
    serveStaticOptions: {
      index: ['index.html'],
      setHeaders: (response: { setHeader(name: string, value: string): void }, path: string) => {
        response.setHeader('Content-Security-Policy', policy);
        response.setHeader('X-Content-Type-Options', 'nosniff');
        response.setHeader('Referrer-Policy', 'no-referrer');
        response.setHeader('Cache-Control', path.includes(`${join('assets', '')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    },
  });
}

/** Says at start-up when there is no console to serve, rather than leaving a silent 404. */
@Injectable()
export class ConsoleBuildCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Console');

  onApplicationBootstrap(): void {
    const dir = consoleAssetsDir();
    if (!existsSync(join(dir, 'index.html'))) this.logger.warn({ dir }, `no console build in ${dir}: run npm run build; ${CONSOLE_PATH}/ answers 404 until then`);
  }
}
