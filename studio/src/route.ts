import { useEffect, useState } from 'react';

/**
 * Where the studio is, in the URL's fragment (so a page can be bookmarked and reloaded). It names
 * bots, flows and executions only – never a token.
 */
export type Route =
  | { page: 'bots' }
  | { page: 'editor'; botId: string; flowId: string }
  /** `filter`: the list's filters (`#/executions?bot=…&status=running`), as the API's query names them. */
  | { page: 'executions'; filter?: Record<string, string> }
  | { page: 'execution'; workflowId: string };

export function parseRoute(hash: string): Route {
  const [where = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = where.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'bots' && parts[2] === 'flows' && parts[1] && parts[3]) return { page: 'editor', botId: parts[1], flowId: parts[3] };
  if (parts[0] === 'executions' && parts[1]) return { page: 'execution', workflowId: parts[1] };
  if (parts[0] === 'executions') {
    const filter = Object.fromEntries([...new URLSearchParams(query)].filter(([, value]) => value !== ''));
    return Object.keys(filter).length > 0 ? { page: 'executions', filter } : { page: 'executions' };
  }
  return { page: 'bots' };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'bots':
      return '#/';
    case 'editor':
      return `#/bots/${encodeURIComponent(route.botId)}/flows/${encodeURIComponent(route.flowId)}`;
    case 'executions': {
      const query = new URLSearchParams(route.filter ?? {}).toString();
      return query ? `#/executions?${query}` : '#/executions';
    }
    case 'execution':
      return `#/executions/${encodeURIComponent(route.workflowId)}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
