/**
 * The public one-click unsubscribe URL (RFC 8058), no key: its token is the
 * authority. POST with `List-Unsubscribe=One-Click` (urlencoded or multipart,
 * as mailbox providers send it) unsubscribes at once and answers 200 with no
 * body, no redirect and no cookie. GET only shows a page whose button posts
 * the same form: link scanners follow GETs, so a GET never changes anything.
 * A token that is not ours answers 400 with a plain page.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { readBody } from '../http/read-body.js';
import { maskAddress } from '../subscriptions/address.js';
import type { SubscriptionService } from '../subscriptions/service.js';
import { UNSUBSCRIBE_PATH } from '../subscriptions/service.js';
import { renderBadLinkPage, renderUnsubscribedPage, renderUnsubscribePage } from '../subscriptions/unsubscribe-page.js';

/** Largest one-click body: the form is 26 bytes, multipart a few hundred. */
export const MAX_UNSUBSCRIBE_BODY_BYTES = 8 * 1024;
/** Query parameter of the page's own form: answer with a confirmation page rather than the empty RFC 8058 answer. */
export const CONFIRMATION_PARAM = 'confirmation';
const FORM_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** Nothing on these pages is cached, indexed, framed, scripted or leaks the URL onwards. */
function pageHeaders(c: Context): void {
  c.header('Cache-Control', 'no-store');
  c.header('X-Robots-Tag', 'noindex');
  c.header('Referrer-Policy', 'no-referrer');
  c.header(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  );
}

/** True when the form carries `List-Unsubscribe=One-Click`, in either encoding. */
async function isOneClick(c: Context, text: string): Promise<boolean> {
  const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'multipart/form-data') {
    try {
      const form = await new Response(text, { headers: { 'content-type': c.req.header('content-type')! } }).formData();
      return form.get('List-Unsubscribe') === 'One-Click';
    } catch {
      return false;
    }
  }
  return new URLSearchParams(text).get('List-Unsubscribe') === 'One-Click';
}

/** @example app.route('/', createUnsubscribeRoutes({ subscriptions })); */
export function createUnsubscribeRoutes({ subscriptions }: { subscriptions: SubscriptionService }): Hono {
  const app = new Hono();
  const path = `${UNSUBSCRIBE_PATH}:token`;
  const badLink = (c: Context) => {
    pageHeaders(c);
    return c.html(renderBadLinkPage(), 400);
  };

  app.get(path, (c) => {
    const token = c.req.param('token');
    const target = subscriptions.verify(token);
    if (!target) return badLink(c);
    pageHeaders(c);
    return c.html(
      renderUnsubscribePage({
        channel: target.channel,
        maskedAddress: maskAddress(target.channel, target.address),
        topic: target.topic,
        // Relative: the page works behind any proxy or publicUrl it was reached through.
        action: `./${token}?${CONFIRMATION_PARAM}=html`,
      }),
    );
  });

  app.post(path, async (c) => {
    const target = subscriptions.verify(c.req.param('token'));
    if (!target) return badLink(c);
    const text = await readBody(
      { headers: (name) => c.req.header(name), stream: c.req.raw.body },
      MAX_UNSUBSCRIBE_BODY_BYTES,
      FORM_MEDIA_TYPES,
    );
    if (!(await isOneClick(c, text))) {
      pageHeaders(c);
      return c.text('send the form List-Unsubscribe=One-Click', 400);
    }
    await subscriptions.unsubscribe(target);
    if (c.req.query(CONFIRMATION_PARAM) === 'html') {
      pageHeaders(c);
      return c.html(
        renderUnsubscribedPage({
          channel: target.channel,
          maskedAddress: maskAddress(target.channel, target.address),
          topic: target.topic,
        }),
      );
    }
    return c.body(null, 200);
  });

  return app;
}
