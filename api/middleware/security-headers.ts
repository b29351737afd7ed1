import helmet from 'koa-helmet';
import type Koa from 'koa';

/**
 * Security headers on every response, via koa-helmet: `X-Content-Type-Options: nosniff`,
 * `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` and one Content-Security-Policy.
 *
 * The CSP fits the HTML pages clinicflow serves (Swagger UI at /docs; same-origin scripts and
 * styles, no inline script) and is harmless on JSON: scripts only from this origin, no plugins, no
 * framing by anyone (`frame-ancestors 'none'`). Swagger UI sets inline `style` attributes, hence
 * `style-src 'unsafe-inline'`; it draws icons from `data:` URLs. HSTS (and
 * `upgrade-insecure-requests`) are sent only when the public URL is https: on a plain-http
 * deployment they would lock browsers out. `Cross-Origin-Resource-Policy: cross-origin` keeps
 * avatars and thumbnails loadable by front ends on other origins, as CORS already allows.
 */
export function securityHeaders(opts: { appUrl?: string }): Koa.Middleware {
  const https = opts.appUrl?.startsWith('https:') ?? false;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 365 * 24 * 3600, includeSubDomains: true } : false,
  });
}
