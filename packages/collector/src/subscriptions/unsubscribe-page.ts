/**
 * The small HTML pages of the public unsubscribe URL: the page a GET shows
 * (masked address, topic, one button that posts the RFC 8058 form, no script
 * needed), the confirmation after a person pressed it, and the plain refusal
 * of a bad link. Inline CSS only: nothing else is fetched from a page that
 * link scanners and privacy proxies open.
 */
import type { SubscriptionChannel } from '@exhaust/schema';

const CHANNEL_NAMES: Record<SubscriptionChannel, string> = {
  email: 'email',
  sms: 'text messages',
  phone: 'phone calls',
  push: 'push notifications',
  whatsapp: 'WhatsApp messages',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.4rem}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;border-radius:.3rem;background:#1a1a1a;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface UnsubscribePageInput {
  channel: SubscriptionChannel;
  maskedAddress: string;
  topic: string | null;
  /** Where the button posts: the same URL, asking for this confirmation page instead of the empty answer. */
  action: string;
}

/** The page of a GET: it changes nothing (link scanners follow GETs); the button does. */
export function renderUnsubscribePage(input: UnsubscribePageInput): string {
  const what = input.topic
    ? `<strong>${escapeHtml(input.topic)}</strong> ${CHANNEL_NAMES[input.channel]}`
    : `all ${CHANNEL_NAMES[input.channel]}`;
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop sending ${what} to <strong>${escapeHtml(input.maskedAddress)}</strong>?</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** Shown after the button was pressed. */
export function renderUnsubscribedPage(input: Omit<UnsubscribePageInput, 'action'>): string {
  const what = input.topic
    ? `${escapeHtml(input.topic)} ${CHANNEL_NAMES[input.channel]}`
    : CHANNEL_NAMES[input.channel];
  return page(
    'Unsubscribed',
    `<h1 role="status">You are unsubscribed</h1>
<p><strong>${escapeHtml(input.maskedAddress)}</strong> will get no more ${what} from us.</p>`,
  );
}

/** A link that is not ours, altered or cut short. */
export function renderBadLinkPage(): string {
  return page(
    'Invalid link',
    `<h1>This unsubscribe link is not valid</h1>
<p>It may have been cut short or altered. Open the link from the message again, or use the unsubscribe option in the message itself.</p>`,
  );
}
