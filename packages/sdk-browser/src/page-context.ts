/** The browser's part of `context`, read at capture time. */
import type { MessageContext } from '@exhaust/schema';

/** `utm_*` query parameters as Segment's `context.campaign` (`utm_campaign` becomes `name`); undefined when none. */
export function parseCampaign(search: string): MessageContext['campaign'] | undefined {
  let campaign: Record<string, string> | undefined;
  new URLSearchParams(search).forEach((value, key) => {
    if (key.startsWith('utm_')) {
      campaign ??= {};
      campaign[key === 'utm_campaign' ? 'name' : key.slice(4)] = value;
    }
  });
  return campaign;
}

/** `context.page` for the current location. `referrer` is the previous SPA URL after a navigation. */
export function pageContext(referrer: string): NonNullable<MessageContext['page']> {
  return {
    url: location.href,
    path: location.pathname,
    referrer,
    title: document.title,
    search: location.search,
  };
}

/** What does not change during a page's life, computed once. */
export function staticContext(): MessageContext {
  return {
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}
