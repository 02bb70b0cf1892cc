import crypto from 'node:crypto';
import type { Response } from 'express';

/**
 * Headers for the HTML pages this service serves (/docs, /simulator). A page's inline scripts
 * and stylesheets are allowed by hash, and files of this origin when the page loads some
 * (`<script src>`, `<link rel="stylesheet">`); everything else by origin – so an injected
 * script or style (or one loaded from elsewhere) does not run, no site may frame the page
 * (clickjacking), the browser never guesses a content type, and no Referer carries a URL away.
 */
function contentSecurityPolicy(html: string): string {
  const ownFiles = { script: /<script src="\//.test(html), style: /<link rel="stylesheet" href="\//.test(html) };
  const allowed = (tag: 'script' | 'style') =>
    [
      ...(ownFiles[tag] ? ["'self'"] : []),
      ...[...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
        (m) =>
          `'sha256-${crypto
            .createHash('sha256')
            .update(m[1] ?? '')
            .digest('base64')}'`,
      ),
    ].join(' ');
  return [
    "default-src 'none'",
    `script-src ${allowed('script') || "'none'"}`,
    `style-src ${allowed('style') || "'none'"}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every answer gets: a body is never sniffed into another type, nor a URL sent on. */
export const baselineHeaders = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

export function sendHtmlPage(res: Response, html: string): void {
  res.set({
    ...baselineHeaders,
    'content-security-policy': contentSecurityPolicy(html),
    // For browsers that predate frame-ancestors.
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  });
  res.type('html').send(html);
}
