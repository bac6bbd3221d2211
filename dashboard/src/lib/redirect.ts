// Where the sign-in page may send someone back to: its own module, as both the router and the page use it.
/** Only a path on this site: "//evil.example" or "https://…" from a crafted link is ignored. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}
