/** The host of a URL that reaches a server listening on `host`: a wildcard address is reached on loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The http:// URL of a server listening on `host` and `port`. */
export function httpUrl(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}`;
}
