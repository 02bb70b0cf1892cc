import path from 'node:path';
import { Router } from 'express';
import { sendHtmlPage } from '../http/html-page';
import { routeTo } from '../http/route';
import { z } from 'zod';
import { studioBundle } from './bundle';

/**
 * The page of the studio. It holds no data and no secret: the app asks for the API token and
 * calls /api with it (the token lives in the tab's sessionStorage, never in a URL). Its script and
 * stylesheet are files of this origin, so the page's policy allows no inline script at all;
 * React Flow positions nodes through style properties, which a policy does not govern.
 */
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Studio · Telegram bots on Temporal</title>
<link rel="stylesheet" href="/studio/assets/studio.css">
</head>
<body>
<div id="root"></div>
<noscript>The studio needs JavaScript.</noscript>
<script src="/studio/assets/studio.js" type="module"></script>
</body>
</html>
`;

const assetParams = z.object({ file: z.enum(['studio.js', 'studio.css']) });

/** `/studio`: the page and its two bundle files (built on first use in development). */
export function studioRouter(deps: { log?: (message: string, fields: Record<string, unknown>) => void } = {}): Router {
  const router = Router();
  const route = routeTo(router, '');
  route(
    {
      method: 'get',
      path: '/studio',
      summary: 'The studio: build, publish and watch flows in the browser',
      tag: 'studio',
      auth: 'none',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    },
    (_input, _req, res) => {
      sendHtmlPage(res, page);
    },
  );
  route(
    {
      method: 'get',
      path: '/studio/assets/:file',
      summary: "The studio's script and stylesheet",
      tag: 'studio',
      auth: 'none',
      params: assetParams,
      responses: {
        200: { description: 'the file', contentType: 'application/octet-stream' },
        404: { description: 'no such file' },
      },
    },
    async ({ params: { file } }, req, res) => {
      const dir = await studioBundle(deps.log);
      const gzip = req.acceptsEncodings('gzip') === 'gzip';
      res.set({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', vary: 'Accept-Encoding' });
      res.type(path.extname(file));
      if (gzip) res.set('content-encoding', 'gzip');
      // The development build lives in .build/, which `send` would refuse as a dot-folder.
      res.sendFile(path.join(dir, gzip ? `${file}.gz` : file), { dotfiles: 'allow' });
    },
  );
  return router;
}
