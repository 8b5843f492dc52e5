/**
 * Splits a RABBITMQ_URL into its addresses: one URL, or several separated by commas (the
 * nodes of a cluster). Blanks around commas and empty entries are ignored, so a trailing
 * comma does no harm. Order is kept: clients try the first address first.
 */
export function splitBrokerUrls(value: string): string[] {
  return value
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
}

/** `host:port` of every address in a RABBITMQ_URL, for messages: never the credentials. */
export function brokerHosts(value: string): string {
  return splitBrokerUrls(value)
    .map((url) => {
      try {
        return new URL(url).host;
      } catch {
        return '(not a URL)';
      }
    })
    .join(', ');
}
