/** The URL with its password replaced by `***`, for banners and messages (credentials never reach a terminal or a log). */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}
