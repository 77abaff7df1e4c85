/**
 * The hosted pages' frame: plain server-rendered HTML forms that work without JavaScript (a
 * browser test or a person submits them the same way), with a little inline CSS.
 */
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const CSS = `
body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
h1 { font-size: 1.25rem; margin-top: 0; }
.provider { color: #667; font-size: .85rem; text-transform: uppercase; letter-spacing: .05em; }
.amount { font-size: 1.75rem; font-weight: 600; margin: .5rem 0 1rem; }
label { display: block; margin: .75rem 0 .25rem; font-size: .9rem; }
input[type=text], input[type=email] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; border: 1px solid #bbc; border-radius: 4px; }
.row { display: flex; gap: 1rem; } .row > div { flex: 1; }
button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; border: 0; border-radius: 4px; background: #3355cc; color: #fff; cursor: pointer; }
button.secondary { background: #889; }
.error { background: #fde8e8; color: #922; padding: .5rem .75rem; border-radius: 4px; }
.note { color: #667; font-size: .8rem; margin-top: 1.5rem; }
`;

/** A whole page: the provider's name over the title, then the body. */
export function Layout(props: { provider: string; title: string; children?: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · ${props.provider}`}</title>
          {/* Raw: the CSS is ours and a child selector's `>` must not be escaped. */}
          <style>{raw(CSS)}</style>
        </head>
        <body>
          <main>
            <div class="provider">{props.provider} (local test mode)</div>
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/** A refusal in a form's own page: the message, over the form again. */
export function ErrorLine(props: { message: string | undefined }) {
  return props.message ? (
    <p class="error" role="alert">
      {props.message}
    </p>
  ) : null;
}

/** A hidden form field. */
export function Hidden(props: { name: string; value: string }) {
  return <input type="hidden" name={props.name} value={props.value} />;
}

/** A page that only says what went wrong (an unknown id, a wrong secret, a bad return URL). */
export function problemPage(c: Context, provider: string, status: ContentfulStatusCode, title: string, message: string) {
  return c.html(
    <Layout provider={provider} title={title}>
      <p class="error" role="alert">
        {message}
      </p>
    </Layout>,
    status,
  );
}

/** Cents as dollars: 1234 → `$12.34`. */
export function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** An absolute http(s) URL to send the payer back to, or null. */
export function returnUrl(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** `url` with `params` added to its query (keeping what it had). */
export function withQuery(url: URL, params: Record<string, string>): string {
  const out = new URL(url);
  for (const [name, value] of Object.entries(params)) out.searchParams.set(name, value);
  return out.toString();
}

/** A submitted form's fields as strings (files and repeated fields ignored). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
  return fields;
}
