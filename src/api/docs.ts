import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { sendHtmlPage } from '../http/html-page';
import { openApiDocument } from '../http/openapi';
import { registeredRoutes, routeTo } from '../http/route';

const info = {
  title: 'Durable Telegram bots and paid generations',
  version: '0.1.0',
  description: 'Internal API. Everything under /api needs `Authorization: Bearer <token>` (operator, or read-only for GET).',
};

const openApiSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
  components: z.record(z.string(), z.unknown()),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

// Swagger UI's own files, served from the installed package: the reference works offline.
const swaggerUiDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const swaggerUiFiles = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript' } as const;

/**
 * Starts Swagger UI on /openapi.json. A file of its own rather than an inline script, so that the
 * page's content security policy allows scripts of this origin only. No validator badge (it would
 * send the document to an outside service); "Try it out" calls this same server.
 */
const initScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>`;

/** `/openapi.json` and the API reference at `/docs` (Swagger UI with its assets from node_modules). */
export function docsRouter(): Router {
  const router = Router();
  const route = routeTo(router, '');
  route(
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      tag: 'docs',
      auth: 'none',
      responses: { 200: { description: 'OpenAPI 3.1', schema: openApiSchema } },
    },
    (_input, _req, res) => {
      res.json(openApiDocument(registeredRoutes(), info));
    },
  );
  route(
    {
      method: 'get',
      path: '/docs',
      summary: 'API reference (Swagger UI: authorize with the bearer token, try calls out)',
      tag: 'docs',
      auth: 'none',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    },
    (_input, _req, res) => {
      sendHtmlPage(res, docsPage);
    },
  );
  route(
    {
      method: 'get',
      path: '/docs/assets/:file',
      summary: "The reference page's script and stylesheet",
      tag: 'docs',
      auth: 'none',
      params: z.object({ file: z.enum(['init.js', ...(Object.keys(swaggerUiFiles) as (keyof typeof swaggerUiFiles)[])]) }),
      responses: { 200: { description: 'the file', contentType: 'text/javascript' } },
    },
    (input, _req, res) => {
      const { file } = input.params;
      res.set('cache-control', 'public, max-age=3600');
      if (file === 'init.js') res.type('text/javascript').send(initScript);
      else res.type(swaggerUiFiles[file]).sendFile(path.join(swaggerUiDir, file));
    },
  );
  return router;
}
