/**
 * Plain HTTP routes of the server: the toolbox page and its modules, health, readiness and metrics
 * (docs/protocol.md, first table). WebSocket upgrades are handled in index.ts.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpRoutesDeps {
  readonly registry: Registry;
  /** 'ready' once models are loaded and workers are up; 'failed' when they could not load. */
  readiness(): 'starting' | 'ready' | 'closing' | 'failed';
}

/** Toolbox page (src/client/static/index.html), read once; dist/ mirrors the tree. */
const INDEX_HTML = loadIndexPage();
/** The page's ES modules and worklets, served as `/static/<name>` from src/client/static/. */
const STATIC_DIR = new URL('../../../src/client/static/', import.meta.url);
/** One plain file name (no slash, no leading dot): nothing outside STATIC_DIR can be named. */
const STATIC_NAME = /^\/static\/([A-Za-z0-9_-][A-Za-z0-9._-]*\.(js|css))$/;
const STATIC_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Returns the request listener for the HTTP routes. */
export function createHttpHandler(deps: HttpRoutesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void route(deps, req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { status: 'error' });
      else res.destroy();
    });
  };
}

async function route(deps: HttpRoutesDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  switch (path) {
    case '/':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX_HTML);
      return;
    case '/healthz':
      json(res, 200, { status: 'ok' });
      return;
    case '/readyz': {
      const status = deps.readiness();
      json(res, status === 'ready' ? 200 : 503, { status });
      return;
    }
    case '/metrics': {
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body);
      return;
    }
    default: {
      const file = STATIC_NAME.exec(path);
      const body = file ? await readFile(new URL(file[1], STATIC_DIR)).catch(() => null) : null;
      if (file && body) res.writeHead(200, { 'content-type': STATIC_TYPES[file[2]] }).end(body);
      else json(res, 404, { status: 'not_found' });
    }
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function loadIndexPage(): string {
  const url = new URL('../../../src/client/static/index.html', import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch {
    return '<!doctype html><title>clonecast</title><p>clonecast: WebSocket at /v1/stream</p>';
  }
}
